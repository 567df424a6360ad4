/**
 * Text from the server (the model's words, tool inputs, file names, error messages) is data: it may
 * carry escape sequences planted by a web page the model read. Terminal control sequences can
 * rewrite the screen, set the window title or write to the clipboard (OSC 52), so every C0 control
 * except newline and tab (a lone carriage return could overwrite a line), DEL, and every C1 control is removed before anything reaches the terminal,
 * with the characters that reorder or hide text.
 */
export function sanitizeForTerminal(text: string): string {
  return (
    text
      .replace(/\r\n/g, '\n')
      // Whole sequences first (CSI, OSC, DCS and the like, 7- and 8-bit), so no payload is left as text.
      .replace(
        // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point.
        /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]/g,
        '',
      )
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
      // Bidirectional overrides, embeddings and isolates reorder what follows them (a file shown as
      // `report<RLO>fdp.exe` reads as `reportexe.pdf`); zero-width spaces hide in names.
      .replace(/[\u202a-\u202e\u2066-\u2069\u200b\ufeff]/g, '')
      .replace(/[\u2028\u2029]/g, '\n')
  );
}

/** A one-line version for rows and status labels: whitespace runs become one space. */
export function oneLine(text: string): string {
  return sanitizeForTerminal(text).replace(/\s+/g, ' ').trim();
}

/** `text` cut to `max` characters (code points), with an ellipsis when cut. */
export function truncate(options: { text: string; max: number }): string {
  const { text, max } = options;
  const characters = Array.from(text);
  if (characters.length <= max) return text;
  return `${characters.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * `text` cut to fit `columns` terminal columns, with an ellipsis when cut: wide characters (CJK,
 * most emoji) take two columns, combining marks none.
 */
export function fitColumns(options: { text: string; columns: number }): string {
  const { text, columns } = options;
  let used = 0;
  let fitted = '';
  const characters = [...characterWidths(text)];
  for (const [index, { character, width }] of characters.entries()) {
    const last = index === characters.length - 1;
    // Room is kept for the ellipsis unless this is the last character.
    if (used + width > columns - (last ? 0 : 1)) {
      return used + 1 <= columns ? `${fitted}…` : fitted;
    }
    used += width;
    fitted += character;
  }
  return fitted;
}

/** The columns `text` takes in a terminal: its SGR style codes take none, wide characters two. */
export function displayWidth(text: string): number {
  let width = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the style codes are what is left out.
  for (const character of characterWidths(text.replace(/\x1b\[[\d;]*m/g, ''))) width += character.width;
  return width;
}

/**
 * Each character of `text` with the columns it takes. U+FE0F after a narrow symbol asks for its
 * emoji form (❤️ ☀️ ✔️), which terminals draw two columns wide: the pair is one character of two
 * columns, never cut apart. Where a terminal draws it narrow, a row counted so leaves a column unused.
 */
function* characterWidths(text: string): Generator<{ character: string; width: number }> {
  let held: { character: string; width: number } | null = null;
  for (const character of text) {
    if (character === '\ufe0f' && held?.width === 1) {
      held = { character: `${held.character}${character}`, width: 2 };
      continue;
    }
    if (held) yield held;
    held = { character, width: columnsOf(character) };
  }
  if (held) yield held;
}

function columnsOf(character: string): number {
  const code = character.codePointAt(0) ?? 0;
  if (
    (code >= 0x300 && code <= 0x36f) ||
    (code >= 0x200c && code <= 0x200f) ||
    (code >= 0xfe00 && code <= 0xfe0f)
  )
    return 0;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd) ||
    isWideSymbol(code);
  return wide ? 2 : 1;
}

/**
 * Symbols below U+1F300 that terminals draw two columns wide (emoji presentation, East Asian
 * Width W): ✅ ⭐ ⏳ ☕ ❌ and their kind. Counted as one, a status row that holds them wraps, and
 * the row redrawn over it leaves a copy behind each frame.
 */
const wideSymbols: readonly (readonly [number, number])[] = [
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f2ff],
];

function isWideSymbol(code: number): boolean {
  if (code < 0x231a || code > 0x1f2ff) return false;
  return wideSymbols.some(([first, last]) => code >= first && code <= last);
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  italic(text: string): string;
  underline(text: string): string;
  strike(text: string): string;
  code(text: string): string;
  heading(text: string): string;
  success(text: string): string;
  failure(text: string): string;
  accent(text: string): string;
}

const plainStyle: Style = {
  bold: (text) => text,
  dim: (text) => text,
  italic: (text) => text,
  underline: (text) => text,
  strike: (text) => text,
  code: (text) => text,
  heading: (text) => text,
  success: (text) => text,
  failure: (text) => text,
  accent: (text) => text,
};

/** An SGR style: the code that starts it and the one that ends only that attribute, not every style. */
const sgr =
  ([open, close]: [number, number]) =>
  (text: string) =>
    `\x1b[${open}m${text}\x1b[${close}m`;

const ansiStyle: Style = {
  bold: sgr([1, 22]),
  dim: sgr([2, 22]),
  italic: sgr([3, 23]),
  underline: sgr([4, 24]),
  strike: sgr([9, 29]),
  code: sgr([36, 39]),
  heading: (text) => `\x1b[1;35m${text}\x1b[22;39m`,
  success: sgr([32, 39]),
  failure: sgr([31, 39]),
  accent: sgr([33, 39]),
};

/** ANSI styles, or the identity when output is not a terminal or NO_COLOR is set. */
export function createStyle(options: { color: boolean }): Style {
  return options.color ? ansiStyle : plainStyle;
}
