import { displayWidth, type Style } from './terminal-text.ts';

export type Alignment = 'left' | 'center' | 'right';

const separator = ' │ ';
/** Narrower than this, a shrunk column breaks most words and the table reads worse than a list. */
const narrowestColumn = 5;
// A character with the U+FE0F after it is one: the pair is drawn two columns wide (terminal-text.ts).
// biome-ignore lint/suspicious/noControlCharactersInRegex: style codes are read to carry them across breaks.
const styleCodeOrCharacter = /\x1b\[[\d;]*m|[\s\S]\uFE0F?/gu;

/**
 * A GitHub-flavoured pipe table, read line by line: a header row followed by a delimiter row with
 * as many cells starts it, and rows are added until a line that is not one. It is laid out only
 * once it has ended, because any later row may widen a column.
 */
export class MarkdownTable {
  readonly #header: string[];
  readonly #alignments: Alignment[];
  readonly #rows: string[][] = [];

  private constructor(options: { header: string[]; alignments: Alignment[] }) {
    this.#header = options.header;
    this.#alignments = options.alignments;
  }

  /** Whether `line` may be a table's header, which only the line after it can confirm. */
  static isHeader(line: string): boolean {
    return (splitRow(line)?.length ?? 0) > 0 && parseDelimiter(line) === null;
  }

  /** The table that `header` and `delimiter` start, or null when they start none. */
  static start(options: { header: string; delimiter: string }): MarkdownTable | null {
    const header = splitRow(options.header);
    const alignments = parseDelimiter(options.delimiter);
    if (!header || !alignments || header.length !== alignments.length) return null;
    return new MarkdownTable({ header, alignments });
  }

  /**
   * Adds `line` as a row if a pipe separates cells in it; false means the table ended before it.
   * GFM would take a line without a pipe as a row of one cell, but a reply that goes on without a
   * blank line after a table means the prose, not one more row.
   */
  add(line: string): boolean {
    const cells = splitRow(line);
    if (cells === null) return false;
    this.#rows.push(cells);
    return true;
  }

  /**
   * The table's lines, none wider than `columns`: the widest columns are narrowed and their cells
   * wrapped to fit. Cells are markdown source, which `inline` renders.
   */
  render(options: { style: Style; columns: number; inline: (markdown: string) => string }): string[] {
    const { style, columns, inline } = options;
    const alignments = this.#alignments;
    // As GFM has it, a short row gets empty cells. GFM drops the cells beyond the header's, but a
    // pipe left unescaped in a code span (`ls | wc -l`) makes them, so they join the last cell.
    const toCells = (row: string[]) =>
      alignments.map((_, index) =>
        inline(index === alignments.length - 1 ? row.slice(index).join(' | ') : (row[index] ?? '')),
      );
    const header = toCells(this.#header).map((cell) => style.bold(cell));
    const rows = this.#rows.map(toCells);
    // Not `Math.max(...rows)`: a table of a hundred thousand rows would overflow the stack.
    const natural = alignments.map((_, index) =>
      [header, ...rows].reduce((widest, row) => Math.max(widest, displayWidth(row[index] ?? '')), 1),
    );
    const room = columns - displayWidth(separator) * (alignments.length - 1);
    const widths = fitWidths({ natural, room });
    if (widths === null) return stackRows({ header, rows, style, columns });
    const draw = (row: string[]) => drawRow({ row, widths, alignments, style });
    const rule = style.dim(widths.map((width) => '─'.repeat(width)).join('─┼─'));
    return [...draw(header), rule, ...rows.flatMap(draw)];
  }
}

/**
 * The trimmed cells of a row, or null when no pipe in `line` separates cells. A pipe at either end
 * is a border. A backslash keeps the character after it from separating, and `\|` is a pipe in the
 * cell, inside a code span too, as GFM has it; other escapes are left for the inline renderer.
 */
function splitRow(line: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  for (let index = 0; index < line.length; index++) {
    const character = line[index];
    if (character === '|') {
      cells.push(cell);
      cell = '';
    } else if (character === '\\' && index + 1 < line.length) {
      index++;
      cell += line[index] === '|' ? '|' : `\\${line[index]}`;
    } else {
      cell += character;
    }
  }
  if (cells.length === 0) return null;
  cells.push(cell);
  if (cells[0]?.trim() === '') cells.shift();
  if (cells.at(-1)?.trim() === '') cells.pop();
  // A tab's width depends on where it lands, which would throw the columns out of line.
  return cells.map((text) => text.replace(/[\t\n]/g, ' ').trim());
}

function parseDelimiter(line: string): Alignment[] | null {
  const cells = splitRow(line);
  if (!cells?.length || !cells.every((cell) => /^:?-+:?$/.test(cell))) return null;
  return cells.map((cell) => {
    if (!cell.endsWith(':')) return 'left';
    return cell.startsWith(':') ? 'center' : 'right';
  });
}

/**
 * Column widths that fit `room`: the widest columns give up width first, down to `narrowestColumn`
 * (or less when their text is narrower); null when even that is too wide.
 */
function fitWidths(options: { natural: number[]; room: number }): number[] | null {
  const { natural, room } = options;
  const total = (cap: number) => natural.reduce((sum, width) => sum + Math.min(width, cap), 0);
  let cap = natural.reduce((widest, width) => Math.max(widest, width), 0);
  if (total(cap) <= room) return natural;
  if (total(narrowestColumn) > room) return null;
  // The widest cap that fits, by halving: a cell a megabyte wide must not take a million steps.
  let fits = narrowestColumn;
  while (fits < cap - 1) {
    const middle = Math.floor((fits + cap) / 2);
    if (total(middle) <= room) fits = middle;
    else cap = middle;
  }
  cap = fits;
  // What `cap` leaves unused (less than one column for each narrowed column) goes to the first of them.
  let spare = room - total(cap);
  return natural.map((width) => {
    if (width <= cap) return width;
    const extra = spare > 0 ? 1 : 0;
    spare -= extra;
    return cap + extra;
  });
}

function drawRow(options: {
  row: string[];
  widths: number[];
  alignments: Alignment[];
  style: Style;
}): string[] {
  const { row, widths, alignments, style } = options;
  const wrapped = row.map((cell, index) => wrapStyled({ text: cell, width: widths[index] ?? 1 }));
  const height = wrapped.reduce((tallest, lines) => Math.max(tallest, lines.length), 0);
  return Array.from({ length: height }, (_, line) => {
    const cells = wrapped.map((lines, index) =>
      pad({
        text: lines[line] ?? '',
        width: widths[index] ?? 0,
        alignment: alignments[index] ?? 'left',
        last: index === wrapped.length - 1,
      }),
    );
    const last = cells.pop() ?? '';
    if (cells.length === 0) return last;
    // An empty last cell leaves the border without the space after it, so no line ends in spaces.
    return `${cells.join(style.dim(separator))}${style.dim(displayWidth(last) === 0 ? separator.trimEnd() : separator)}${last}`;
  });
}

/** `text` placed in `width` columns; the last column gets no trailing spaces, so none end a line. */
function pad(options: { text: string; width: number; alignment: Alignment; last: boolean }): string {
  const { text, width, alignment, last } = options;
  const used = displayWidth(text);
  if (last && used === 0) return text;
  const room = Math.max(0, width - used);
  const before = alignment === 'right' ? room : alignment === 'center' ? Math.floor(room / 2) : 0;
  return `${' '.repeat(before)}${text}${last ? '' : ' '.repeat(room - before)}`;
}

/** A table too wide for columns even at their narrowest: each row as `header: value` lines. */
function stackRows(options: { header: string[]; rows: string[][]; style: Style; columns: number }): string[] {
  const { header, rows, style, columns } = options;
  const wrap = (text: string) => wrapStyled({ text, width: columns });
  if (rows.length === 0) return header.flatMap(wrap);
  const rule = style.dim('─'.repeat(Math.min(columns, 40)));
  return rows.flatMap((row, index) => [
    ...(index === 0 ? [] : [rule]),
    ...row.flatMap((cell, column) =>
      wrap(`${header[column] ?? ''}${style.dim(':')}${displayWidth(cell) === 0 ? '' : ' '}${cell}`),
    ),
  ]);
}

/**
 * `text` broken into lines of at most `width` columns: at spaces where it can be, inside a word
 * longer than a line. A style still open at a break is closed at the end of the line and opened
 * again on the next, so each line stands alone between the table's borders. Only the SGR codes
 * a `Style` writes are understood.
 */
function wrapStyled(options: { text: string; width: number }): string[] {
  const { text, width } = options;
  if (displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let open: number[] = [];
  let line = '';
  let used = 0;
  const breakLine = () => {
    lines.push(`${line}${closeCodes(open)}`);
    line = open.length === 0 ? '' : `\x1b[${open.join(';')}m`;
    used = 0;
  };
  for (const [index, word] of text.split(' ').entries()) {
    if (index > 0 && used > 0) {
      if (used + 1 + displayWidth(word) <= width) {
        line += ' ';
        used += 1;
      } else {
        breakLine();
      }
    }
    for (const token of word.match(styleCodeOrCharacter) ?? []) {
      if (token.startsWith('\x1b[')) {
        open = applyCode({ open, code: token });
        line += token;
        continue;
      }
      const tokenWidth = displayWidth(token);
      if (used > 0 && used + tokenWidth > width) breakLine();
      line += token;
      used += tokenWidth;
    }
  }
  lines.push(line);
  return lines;
}

/** The attributes open after `code`, given those open before it, oldest first. */
function applyCode(options: { open: number[]; code: string }): number[] {
  let open = options.open;
  for (const parameter of options.code.slice(2, -1).split(';').map(Number)) {
    if (parameter === 0) open = [];
    else if ((parameter >= 22 && parameter <= 29) || parameter === 39 || parameter === 49)
      open = open.filter((attribute) => closerOf(attribute) !== parameter);
    else open = [...open, parameter];
  }
  return open;
}

function closeCodes(open: number[]): string {
  return open.length === 0 ? '' : `\x1b[${[...new Set(open.map(closerOf))].join(';')}m`;
}

/** The code that ends one attribute alone (bold and dim end together), as `Style` ends them. */
function closerOf(attribute: number): number {
  if (attribute === 1 || attribute === 2) return 22;
  if (attribute >= 3 && attribute <= 9) return 20 + attribute;
  if ((attribute >= 40 && attribute <= 47) || (attribute >= 100 && attribute <= 107)) return 49;
  return 39;
}
