import { type Style, sanitizeForTerminal } from './terminal-text.ts';

/** Marks around the index of a part of a line set aside while emphasis is found (see `#inline`). */
const atomStart = '\uE000';
const atomEnd = '\uE001';
const atomPattern = /\uE000(\d+)\uE001/g;

/**
 * Renders markdown for the terminal one line at a time, so a reply can be shown while it streams:
 * a line is final once its newline has arrived. Block state (inside a code fence or not) carries
 * from line to line. With the plain style the markdown source is kept as it is, which reads well
 * and pipes cleanly into a file.
 */
export class MarkdownLines {
  readonly #style: Style;
  readonly #styled: boolean;
  #fence: string | null = null;

  constructor(options: { style: Style; styled: boolean }) {
    this.#style = options.style;
    this.#styled = options.styled;
  }

  render(rawLine: string): string {
    const line = sanitizeForTerminal(rawLine);
    if (!this.#styled) return line;
    const style = this.#style;
    const fence = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
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
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$/.exec(line);
    if (heading) return style.heading(this.#inline(heading[2] ?? ''));
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return style.dim('─'.repeat(40));
    const quote = /^\s{0,3}>\s?(.*)$/.exec(line);
    if (quote) return `${style.dim('│')} ${style.italic(this.#inline(quote[1] ?? ''))}`;
    const task = /^(\s*)[-*+]\s+\[([ xX])\]\s+(.*)$/.exec(line);
    if (task) return `${task[1]}${task[2] === ' ' ? '☐' : style.success('☑')} ${this.#inline(task[3] ?? '')}`;
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) return `${bullet[1]}${style.accent('•')} ${this.#inline(bullet[2] ?? '')}`;
    const numbered = /^(\s*)(\d{1,9}[.)])\s+(.*)$/.exec(line);
    if (numbered)
      return `${numbered[1]}${style.accent(numbered[2] ?? '')} ${this.#inline(numbered[3] ?? '')}`;
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
    return `${complete
      .split('\n')
      .map((line) => this.#lines.render(line))
      .join('\n')}\n`;
  }

  finish(text = this.#text): string {
    const rendered = this.push(text);
    const rest = text.slice(this.#consumed);
    this.#consumed = text.length;
    return rest === '' ? rendered : `${rendered}${this.#lines.render(rest)}\n`;
  }
}
