import { type Style, sanitizeForTerminal } from './terminal-text.ts';

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

  /** Code spans and links are atomic; emphasis applies only to the plain text between them. */
  #inline(text: string): string {
    const style = this.#style;
    const atoms = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|!?\[([^\]\n]*)\]\(([^)\s]+)\)/g;
    let output = '';
    let last = 0;
    for (const match of text.matchAll(atoms)) {
      output += this.#emphasis(text.slice(last, match.index));
      last = match.index + match[0].length;
      if (match[1] !== undefined) {
        output += style.code(match[2] ?? '');
        continue;
      }
      const label = match[3] ?? '';
      const url = match[4] ?? '';
      const image = match[0].startsWith('!');
      output += image
        ? style.dim(`[image: ${label || url}]`)
        : label === '' || label === url
          ? style.underline(url)
          : `${style.underline(this.#emphasis(label))} ${style.dim(`(${url})`)}`;
    }
    return output + this.#emphasis(text.slice(last));
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
