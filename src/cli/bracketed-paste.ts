import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Bracketed paste: while it is on, a terminal wraps whatever is pasted in these markers, so a
 * pasted line break is told apart from Enter. Without it, a pasted stack trace of 20 lines would
 * be sent as 20 messages.
 */
export const bracketedPaste = { on: '\x1b[?2004h', off: '\x1b[?2004l' } as const;

const pasteStart = '\x1b[200~';
const pasteEnd = '\x1b[201~';
/** A marker split across two reads is held this long at most before it is passed on as typed. */
const splitMarkerMs = 50;

/** Pastes kept, so a line recalled from the history (Up) expands again; the oldest go first. */
const maxKeptPastes = 100;

/**
 * What entering a pasted (or put back) text sends: line breaks as \n, without control characters
 * or trailing line breaks.
 */
export function asPasted(pasted: string): string {
  return (
    pasted
      .replace(/\r\n?/g, '\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes.
      .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
      .replace(/\n+$/, '')
  );
}

/**
 * The pastes of the lines being typed. A paste of several lines goes into the line as one short
 * placeholder, which `expand` turns back into the pasted text when the line is entered, then or
 * when it is recalled from the history; a paste of one line goes in as typed. Pasted text is
 * data: its control characters are removed, so a pasted Ctrl-C or escape sequence does nothing to
 * the prompt.
 */
export class LinePastes {
  readonly #texts = new Map<string, string>();
  #count = 0;

  /** What the prompt's line gets for a pasted (or put back) text. */
  add(pasted: string): string {
    const text = asPasted(pasted);
    if (!text.includes('\n')) return text;
    this.#count += 1;
    const placeholder = `[pasted text #${this.#count}: ${text.split('\n').length} lines]`;
    this.#texts.set(placeholder, text);
    if (this.#texts.size > maxKeptPastes) this.#texts.delete(this.#texts.keys().next().value!);
    return placeholder;
  }

  /**
   * The entered line with its placeholders replaced by their text. A placeholder cut into while
   * the line was edited (a Backspace at its end) would reach the model as its broken words, and
   * the paste would be lost without a word: `repaired` is then the line with it whole again, to
   * be put back at the prompt, and `text` what that line would send.
   */
  expand(line: string): { text: string; repaired: string | null } {
    let whole = line;
    for (const placeholder of this.#texts.keys()) whole = restorePlaceholder(whole, placeholder);
    let text = whole;
    for (const [placeholder, pasted] of this.#texts) text = text.split(placeholder).join(pasted);
    return { text, repaired: whole === line ? null : whole };
  }
}

/**
 * `line` with a damaged copy of `placeholder` (its start, `[pasted text #N`, kept, and some of
 * what follows missing) made whole again; as it was if it holds the placeholder whole, or none.
 */
function restorePlaceholder(line: string, placeholder: string): string {
  if (line.includes(placeholder)) return line;
  const head = placeholder.slice(0, placeholder.indexOf(':'));
  const at = line.indexOf(head);
  // `[pasted text #1` is also the start of `[pasted text #12`.
  if (at === -1 || /\d/.test(line[at + head.length] ?? '')) return line;
  let kept = head.length;
  while (kept < placeholder.length && line[at + kept] === placeholder[kept]) kept += 1;
  // What follows the damage: the placeholder's own end, as much of it as is still there.
  let end = 0;
  for (let length = placeholder.length - kept; length > 0; length--) {
    if (line.startsWith(placeholder.slice(placeholder.length - length), at + kept)) {
      end = length;
      break;
    }
  }
  return `${line.slice(0, at)}${placeholder}${line.slice(at + kept + end)}`;
}

/**
 * The input as the prompt's readline reads it: the same bytes, with every bracketed paste
 * replaced by what `pastes.add` makes of it. Markers split across reads are put together.
 */
export function withPastesCollected(options: {
  input: NodeJS.ReadableStream;
  pastes: LinePastes;
}): PassThrough {
  const { input, pastes } = options;
  const output = new PassThrough({ encoding: 'utf8' });
  let pasted: string[] | null = null;
  let held = '';
  let flushTimer: NodeJS.Timeout | undefined;
  const take = (text: string) => {
    let rest = held + text;
    held = '';
    for (;;) {
      const marker = pasted ? pasteEnd : pasteStart;
      const at = rest.indexOf(marker);
      if (at === -1) {
        const keep = partialMarkerLength(rest, marker);
        const now = rest.slice(0, rest.length - keep);
        held = rest.slice(rest.length - keep);
        if (pasted) pasted.push(now);
        else if (now) output.write(now);
        break;
      }
      if (pasted) {
        pasted.push(rest.slice(0, at));
        const text = pastes.add(pasted.join(''));
        pasted = null;
        if (text) output.write(text);
      } else {
        if (at > 0) output.write(rest.slice(0, at));
        pasted = [];
      }
      rest = rest.slice(at + marker.length);
    }
    clearTimeout(flushTimer);
    // A lone Escape key looks like the start of a marker: it is not held back for long.
    if (held) flushTimer = setTimeout(flushHeld, splitMarkerMs);
  };
  const flushHeld = () => {
    if (!held) return;
    const text = held;
    held = '';
    if (pasted) pasted.push(text);
    else output.write(text);
  };
  // A character split between two reads stays whole.
  const decoder = new StringDecoder('utf8');
  input.on('data', (chunk: string | Buffer) =>
    take(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
  );
  input.on('end', () => {
    clearTimeout(flushTimer);
    flushHeld();
    if (pasted) output.write(pastes.add(pasted.join('')));
    output.end();
  });
  return output;
}

/** How many characters at the end of `text` could begin `marker`. */
function partialMarkerLength(text: string, marker: string): number {
  for (let length = Math.min(marker.length - 1, text.length); length > 0; length--) {
    if (marker.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}
