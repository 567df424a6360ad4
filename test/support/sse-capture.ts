/** Reads an SSE response as raw frames (heartbeat comments dropped), optionally stopping after `maxEvents`. */
export async function readFrames(options: {
  response: Response;
  maxEvents?: number;
}): Promise<{ frames: { id: number | null; data: string }[]; done: boolean }> {
  const reader = options.response.body!.getReader();
  const decoder = new TextDecoder();
  const frames: { id: number | null; data: string }[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { frames, done: frames.at(-1)?.data === '[DONE]' };
    buffer += decoder.decode(value, { stream: true });
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf('\n\n');
      const lines = frame.split('\n');
      const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
      if (data === undefined) continue;
      const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
      frames.push({ id: id === undefined ? null : Number(id), data });
      if (options.maxEvents !== undefined && frames.length >= options.maxEvents) {
        await reader.cancel();
        return { frames, done: false };
      }
    }
  }
}

/** Frames back into an SSE body, so the official client can parse a stitched stream. */
export function framesToBody(frames: { id: number | null; data: string }[]): ReadableStream<Uint8Array> {
  const text = frames
    .map((frame) => `${frame.id === null ? '' : `id: ${frame.id}\n`}data: ${frame.data}\n\n`)
    .join('');
  return new Response(text).body!;
}
