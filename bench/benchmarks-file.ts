import { readFile, writeFile } from 'node:fs/promises';

const startMarker = '<!-- bench:full-path:start -->';
const endMarker = '<!-- bench:full-path:end -->';

const intro = `# Benchmarks

\`npm run bench\` measures the full path of one turn: HTTP, the turn engine, persistence (the embedded
SQLite store on a temporary file), SSE, and a client parsing the stream with the official \`ai\`
client (\`parseJsonEventStream\` + \`uiMessageChunkSchema\` + \`readUIMessageStream\`). The server, the fake
Anthropic model and the client share one process. It runs twice against the fake: once streaming with
no delay, and once at about 50 tokens/s (20 ms between events). In the same run it posts the same
model request straight to the fake and reads the fake's SSE itself. That direct reading is the floor,
and the figures below are what the full path adds to it. A run takes a little over a minute, and it
is not part of \`npm test\`.

How the run is set up: every timed turn is the second message of its own session. The session and its
first message, which also sets off the background title request, are made before any timing starts.
Direct and full-path samples alternate, and the one that goes first alternates as well. Warm-up
samples are thrown away, and the process idles for 1 ms before each sample. The fake notes when the
model request reaches it, so the added time can be split into a part before the model call and a
part after it.

Reading the zero-delay row: the fake's whole reply reaches the server in one read. Node sends the
first write on a socket at once, but queues later writes until the event loop turns. So the first
delta leaves the server only after the server has handled the whole reply. The zero-delay first-delta
figure is close to the server's cost for the whole turn. The paced row shows the time to first token
that users see.

Machine notes: the runs below come from a shared, noisy machine with 2 cores. Absolute numbers change
from run to run. Compare the full path with the direct reading from the same run, and not one run
with another.

`;

/** Replaces the bench's section of BENCHMARKS.md, creating the file with its intro if needed. */
export async function updateBenchmarksFile(options: { path: string; section: string }): Promise<void> {
  const block = `${startMarker}\n${options.section.trim()}\n${endMarker}\n`;
  const existing = await readFile(options.path, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  });
  if (existing === null) {
    await writeFile(options.path, `${intro}${block}`);
    return;
  }
  const start = existing.indexOf(startMarker);
  const end = existing.indexOf(endMarker);
  const updated =
    start === -1 || end === -1
      ? `${existing.trimEnd()}\n\n${block}`
      : `${existing.slice(0, start)}${block}${existing.slice(end + endMarker.length).replace(/^\n/, '')}`;
  await writeFile(options.path, updated);
}
