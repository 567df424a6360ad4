import { StringDecoder } from 'node:string_decoder';

/**
 * The `data` of each server-sent event in a text stream, in order, handed over per chunk: each
 * batch holds the events one chunk completed (none are yielded empty). Under load one read holds
 * several events, and the model clients merge what arrived together. Events end at a blank line;
 * lines may end in `\n`, `\r\n` or `\r`; several `data:` lines of one event are joined with `\n`;
 * comments and other fields are skipped. One pass over each chunk, no per-event stream stage;
 * only new text is searched for line ends, so a long line costs linear time. Bytes are decoded as
 * UTF-8 across chunks. A line or event longer than `maxEventChars` throws: a broken or hostile
 * provider that never sends a line end cannot make the buffer grow without bound. So does a
 * stream longer than `maxStreamChars`, for one that sends line ends but never stops.
 */
export async function* readServerSentEvents(
  chunks: AsyncIterable<string | Uint8Array>,
  options: { maxEventChars?: number; maxStreamChars?: number } = {},
): AsyncGenerator<string[]> {
  const maxEventChars = options.maxEventChars ?? defaultMaxEventChars;
  const maxStreamChars = options.maxStreamChars ?? Number.POSITIVE_INFINITY;
  let streamChars = 0;
  // The start of a line whose end has not come yet, in pieces: only new text is searched, and the
  // pieces are joined once, so a long line costs linear time, not a rescan and a copy per chunk.
  let carry: string[] = [];
  let carryChars = 0;
  let data: string[] = [];
  let dataChars = 0;
  /** Handles one whole line; returns the event it completes, if any. */
  const takeLine = (line: string): string | null => {
    if (line === '') {
      const event = data.length > 0 ? data.join('\n') : null;
      data = [];
      dataChars = 0;
      return event;
    }
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      dataChars += value.length + 1;
      if (dataChars > maxEventChars) throw tooLarge(maxEventChars);
      data.push(value);
    }
    return null;
  };
  const carried = (tail: string): string => {
    const line = carry.length > 0 ? carry.join('') + tail : tail;
    carry = [];
    carryChars = 0;
    return line;
  };
  /** Adds the events a chunk completes to `events`; throws on an oversized line. */
  const scan = (chunk: string, events: string[]): void => {
    let start = 0;
    // A carried line that ended in `\r` ended there; a `\n` that follows belongs to it.
    if (carry.length > 0 && carry[carry.length - 1]!.endsWith('\r')) {
      const line = carried('');
      const event = takeLine(line.slice(0, -1));
      if (event !== null) events.push(event);
      if (chunk.startsWith('\n')) start = 1;
    }
    for (;;) {
      const newline = nextLineEnd({ text: chunk, from: start });
      if (newline === -1) break;
      const line = carried(chunk.slice(start, newline));
      start = newline + (chunk[newline] === '\r' && chunk[newline + 1] === '\n' ? 2 : 1);
      const event = takeLine(line);
      if (event !== null) events.push(event);
    }
    if (start < chunk.length) {
      carry.push(chunk.slice(start));
      carryChars += chunk.length - start;
      if (carryChars > maxEventChars) throw tooLarge(maxEventChars);
    }
  };
  // Bytes are decoded across chunk boundaries: a character split between two reads stays whole.
  const decoder = new StringDecoder('utf8');
  for await (const piece of chunks) {
    const chunk = typeof piece === 'string' ? piece : decoder.write(piece);
    // Nothing new (a read that held only part of a character): a held `\r` must still wait.
    if (chunk === '') continue;
    streamChars += chunk.length;
    if (streamChars > maxStreamChars)
      throw new Error(`The model provider sent a stream longer than ${maxStreamChars} characters.`);
    const events: string[] = [];
    try {
      scan(chunk, events);
    } catch (error) {
      // An oversized line fails the stream after the events this chunk completed before it.
      if (events.length > 0) yield events;
      throw error;
    }
    if (events.length > 0) yield events;
  }
  // A last `\r` held back for a `\n` that never came still ended its (blank) line. An event the
  // stream ended in the middle of is not dispatched, as the SSE standard says.
  if (carryChars === 1 && carry[0] === '\r' && data.length > 0) yield [data.join('\n')];
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
