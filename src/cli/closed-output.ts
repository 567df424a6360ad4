/** What a shell reports for a process that a signal ended: 128 + the signal's number. */
const exitCodeAfter = { EIO: 128 + 1, EPIPE: 128 + 13 } as const;

/** Streams already watched: the CLI may run more than once in a process (its tests do). */
const watched = new WeakSet<NodeJS.WritableStream>();

/**
 * A terminal closed under the client (its window shut, an SSH connection dropped: EIO) or a reader
 * that went away (`autopilot chat "…" | head`: EPIPE) fails the next write with an `error` event
 * nobody listens for: a stack trace, exit 1. Nothing can be shown any more, so the process ends
 * quietly, with the code the hangup (129) or the broken pipe (141) would give. A running turn goes
 * on on the server either way, and `chat --session` shows it later.
 */
export function endQuietlyWhenOutputCloses(
  streams: NodeJS.WritableStream[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  for (const stream of streams) {
    if (watched.has(stream)) continue;
    watched.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EIO' || error.code === 'EPIPE') return exit(exitCodeAfter[error.code]);
      throw error;
    });
  }
}
