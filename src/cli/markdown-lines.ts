import { MarkdownTable } from './markdown-table.ts';
import { type Style, sanitizeForTerminal } from './terminal-text.ts';

/** Marks around the index of a part of a line set aside while emphasis is found (see `#inline`). */
const atomStart = '\uE000';
const atomEnd = '\uE001';
const atomPattern = /\uE000(\d+)\uE001/g;

/** The width assumed when none is given, as `stdoutTerminal` assumes when the terminal does not say. */
const defaultColumns = 80;

const fencePattern = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/;
const headingPattern = /^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$/;
const rulePattern = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const quotePattern = /^\s{0,3}>\s?(.*)$/;
const bulletPattern = /^(\s*)[-*+]\s+(.*)$/;
const numberedPattern = /^(\s*)(\d{1,9}[.)])\s+(.*)$/;

/** A line that opens a block of its own can neither start a table nor be one of its rows. */
function opensBlock(line: string): boolean {
  return [fencePattern, headingPattern, rulePattern, quotePattern, bulletPattern, numberedPattern].some(
    (pattern) => pattern.test(line),
  );
}

/**
 * Renders markdown for the terminal one line at a time, so a reply can be shown while it streams:
 * a line is final once its newline has arrived. Block state (inside a code fence or a table, or
 * not) carries from line to line. With the plain style the markdown source is kept as it is, which
 * reads well and pipes cleanly into a file.
 */
export class MarkdownLines {
  readonly #style: Style;
  readonly #styled: boolean;
  readonly #columns: () => number;
  #fence: string | null = null;
  /** A line that may be a table's header, held until the next line says whether it is. */
  #header: string | null = null;
  #table: MarkdownTable | null = null;

  /** `columns`: the terminal's width when a table is laid out; asked each time, as it may change. */
  constructor(options: { style: Style; styled: boolean; columns?: () => number }) {
    this.#style = options.style;
    this.#styled = options.styled;
    this.#columns = options.columns ?? (() => defaultColumns);
  }

  /**
   * Takes the next line and returns the lines that became final, in order: usually this line
   * rendered, but none while a table may be growing (it is laid out once its last row is known),
   * and the whole table first when this line ends one. `flush` gives what is held when the text ends.
   */
  render(rawLine: string): string[] {
    const line = sanitizeForTerminal(rawLine);
    if (!this.#styled) return [line];
    const final: string[] = [];
    if (this.#table) {
      if (!opensBlock(line) && this.#table.add(line)) return final;
      final.push(...this.#flushTable());
    }
    if (this.#header !== null) {
      const header = this.#header;
      this.#header = null;
      this.#table = MarkdownTable.start({ header, delimiter: line });
      if (this.#table) return final;
      final.push(this.#renderLine(header));
    }
    // The pipe test first: most lines have none, and need not be matched against every block.
    if (this.#fence === null && MarkdownTable.isHeader(line) && !opensBlock(line)) this.#header = line;
    else final.push(this.#renderLine(line));
    return final;
  }

  /** The text has ended: renders what was held back for a table. */
  flush(): string[] {
    const final = this.#flushTable();
    if (this.#header !== null) final.push(this.#renderLine(this.#header));
    this.#header = null;
    return final;
  }

  #flushTable(): string[] {
    const table = this.#table;
    this.#table = null;
    return (
      table?.render({ style: this.#style, columns: this.#columns(), inline: (text) => this.#inline(text) }) ??
      []
    );
  }

  #renderLine(line: string): string {
    const style = this.#style;
    const fence = fencePattern.exec(line);
    if (this.#fence !== null) {
      if (fence?.[1]?.startsWith(this.#fence) && line.trim() === fence[1]) {
        this.#fence = null;
        return style.dim('  └──');
      }
      return `  ${style.code(line)}`;
    }
    if (fence?.[1]) {
      this.#fence = fence[1];
      return style.dim(`  ┌── ${fence[2] || 'code'}`);
    }
    const heading = headingPattern.exec(line);
    if (heading) return style.heading(this.#inline(heading[2] ?? ''));
    if (rulePattern.test(line)) return style.dim('─'.repeat(40));
    const quote = quotePattern.exec(line);
    if (quote) return `${style.dim('│')} ${style.italic(this.#inline(quote[1] ?? ''))}`;
    const task = /^(\s*)[-*+]\s+\[([ xX])\]\s+(.*)$/.exec(line);
    if (task) return `${task[1]}${task[2] === ' ' ? '☐' : style.success('☑')} ${this.#inline(task[3] ?? '')}`;
    const bullet = bulletPattern.exec(line);
    if (bullet) return `${bullet[1]}${style.accent('•')} ${this.#inline(bullet[2] ?? '')}`;
    const numbered = numberedPattern.exec(line);
    if (numbered)
      return `${numbered[1]}${style.accent(numbered[2] ?? '')} ${this.#inline(numbered[3] ?? '')}`;
    // A delimiter row with no header above it is no table: it is only dimmed.
    if (/^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*(:?-{3,}:?\s*)?\|?\s*$/.test(line)) return style.dim(line);
    return this.#inline(line);
  }

  /**
   * Code spans, links and backslash escapes are atomic: each is set aside while emphasis is found,
   * so emphasis may enclose them (`**run `npm test`**`) and never looks inside them or takes an
   * escaped `\*` for a delimiter; an escape then shows its character alone, as Markdown does.
   */
  #inline(text: string): string {
    const style = this.#style;
    const atoms: string[] = [];
    const setAside = (rendered: string) => `${atomStart}${atoms.push(rendered) - 1}${atomEnd}`;
    const marked = text
      // Private-use characters show as nothing useful in a terminal; these two mark atoms here.
      .replace(/[\uE000\uE001]/g, '\uFFFD')
      .replace(
        /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|!?\[([^\]\n]*)\]\(([^)\s]+)\)|\\([!-/:-@[-`{-~])/g,
        (whole, _ticks, code, label, url, escaped) => {
          if (escaped !== undefined) return setAside(escaped);
          if (code !== undefined) return setAside(style.code(code));
          if (whole.startsWith('!')) return setAside(style.dim(`[image: ${label || url}]`));
          return setAside(
            label === '' || label === url
              ? style.underline(url)
              : `${style.underline(this.#emphasis(label))} ${style.dim(`(${url})`)}`,
          );
        },
      );
    return this.#emphasis(marked).replace(atomPattern, (_, index) => atoms[Number(index)] ?? '');
  }

  #emphasis(text: string): string {
    const style = this.#style;
    return text
      .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__/g, (_, a, b) => style.bold(a ?? b))
      .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, (_, a) => style.strike(a))
      .replace(
        /(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])|(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])/g,
        (_, a, b) => style.italic(a ?? b),
      );
  }
}

/**
 * Follows a text that grows as it streams and renders the lines that are complete. `push` returns
 * what became final since the last call; `finish` renders the rest once the text is done.
 */
export class StreamingMarkdown {
  readonly #lines: MarkdownLines;
  #consumed = 0;
  #text = '';

  constructor(lines: MarkdownLines) {
    this.#lines = lines;
  }

  push(text: string): string {
    this.#text = text;
    const end = text.lastIndexOf('\n') + 1;
    if (end <= this.#consumed) return '';
    const complete = text.slice(this.#consumed, end - 1);
    this.#consumed = end;
    return joinLines(complete.split('\n').flatMap((line) => this.#lines.render(line)));
  }

  finish(text = this.#text): string {
    const rendered = this.push(text);
    const rest = text.slice(this.#consumed);
    this.#consumed = text.length;
    const last = rest === '' ? [] : this.#lines.render(rest);
    return `${rendered}${joinLines([...last, ...this.#lines.flush()])}`;
  }
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
