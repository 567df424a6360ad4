import { createStyle, type Style } from './terminal-text.ts';

/** Where the chat client writes. Tests hand in one that records; the command hands in stdout. */
export interface Terminal {
  write(text: string): void;
  /** A terminal, not a pipe or a file: the status line (spinner) may redraw in place. */
  isTTY: boolean;
  style: Style;
  /** Markdown is rendered (colours, bullets); otherwise the source is printed as it is. */
  styled: boolean;
  columns(): number;
}

/** The process's stdout: styled only on a terminal and when NO_COLOR is unset (https://no-color.org). */
export function stdoutTerminal(env: Record<string, string | undefined>): Terminal {
  const isTTY = process.stdout.isTTY === true;
  const styled = isTTY && !env.NO_COLOR;
  return {
    write: (text) => process.stdout.write(text),
    isTTY,
    style: createStyle({ color: styled }),
    styled,
    columns: () => process.stdout.columns || 80,
  };
}
