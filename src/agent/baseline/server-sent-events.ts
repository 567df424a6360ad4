/**
 * The `data` of each server-sent event in a text stream, in order. Events end at a blank line;
 * lines may end in `\n`, `\r\n` or `\r`; several `data:` lines of one event are joined with `\n`;
 * comments and other fields are skipped. One pass over each chunk, no per-event stream stage.
 * A line or event longer than `maxEventChars` throws: a broken or hostile provider that never
 * sends a line end cannot make the buffer grow without bound.
 */
export async function* readServerSentEvents(
  chunks: AsyncIterable<string>,
  options: { maxEventChars?: number } = {},
): AsyncGenerator<string> {
  const maxEventChars = options.maxEventChars ?? defaultMaxEventChars;
  let pending = '';
  let data: string[] = [];
  let dataChars = 0;
  for await (const chunk of chunks) {
    pending += chunk;
    let start = 0;
    for (;;) {
      const newline = nextLineEnd({ text: pending, from: start });
      if (newline === -1) break;
      const line = pending.slice(start, newline);
      start = newline + (pending[newline] === '\r' && pending[newline + 1] === '\n' ? 2 : 1);
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
        dataChars = 0;
      } else if (line.startsWith('data:')) {
        const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
        dataChars += value.length + 1;
        if (dataChars > maxEventChars) throw tooLarge(maxEventChars);
        data.push(value);
      }
    }
    pending = pending.slice(start);
    if (pending.length > maxEventChars) throw tooLarge(maxEventChars);
  }
  // A last `\r` held back for a `\n` that never came still ended its (blank) line. An event the
  // stream ended in the middle of is not dispatched, as the SSE standard says.
  if (pending === '\r' && data.length > 0) yield data.join('\n');
}

/** Far above any real event (a tool call's input arrives in many small deltas). */
const defaultMaxEventChars = 16 * 1024 * 1024;

function tooLarge(maxEventChars: number): Error {
  return new Error(`The model provider sent a server-sent event larger than ${maxEventChars} characters.`);
}

function nextLineEnd(options: { text: string; from: number }): number {
  const { text, from } = options;
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  if (cr === -1) return lf;
  // A lone `\r` at the very end may be the first half of `\r\n`: wait for the next chunk.
  if (cr === text.length - 1) return lf === -1 ? -1 : Math.min(lf, cr);
  return lf === -1 ? cr : Math.min(lf, cr);
}
