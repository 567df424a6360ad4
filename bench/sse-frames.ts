/** One SSE frame: its `id:` (null without one) and its `data:`. Comment-only frames (heartbeats) are skipped. */
export interface SseFrame {
  id: number | null;
  data: string;
}

/**
 * Reads an SSE body frame by frame, as a client would. `onFrame` returns false to stop early,
 * which cancels the body (and so the server's subscription).
 */
export async function readSseFrames(options: {
  body: ReadableStream<Uint8Array>;
  onFrame: (frame: SseFrame) => boolean;
}): Promise<void> {
  const reader = options.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    // One cursor per read, one slice at the end: slicing after every frame would copy the rest each time.
    let position = 0;
    let boundary = buffered.indexOf('\n\n', position);
    while (boundary !== -1) {
      const frame = parseFrame(buffered.slice(position, boundary));
      position = boundary + 2;
      boundary = buffered.indexOf('\n\n', position);
      if (frame && !options.onFrame(frame)) {
        await reader.cancel();
        return;
      }
    }
    buffered = buffered.slice(position);
  }
}

function parseFrame(text: string): SseFrame | null {
  let id: number | null = null;
  let data: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('data: ')) data = line.slice(6);
  }
  return data === undefined ? null : { id, data };
}
