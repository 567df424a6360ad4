/** Splits an SSE byte stream into the JSON payloads of its `data:` frames, ending at `[DONE]`. */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer = normaliseLineEnds(buffer + decoder.decode(bytes, { stream: true }));
    let boundary = buffer.indexOf('\n\n');
    while (boundary !== -1) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf('\n\n');
      const data = frame
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === '') continue;
      if (data === '[DONE]') return;
      yield JSON.parse(data);
    }
  }
}

/** SSE allows \r\n and \r line ends; a trailing \r waits for the next chunk in case a \n follows. */
function normaliseLineEnds(text: string): string {
  const pendingReturn = text.endsWith('\r');
  const normalised = (pendingReturn ? text.slice(0, -1) : text).replace(/\r\n?/g, '\n');
  return pendingReturn ? `${normalised}\r` : normalised;
}
