import type { Interrupts } from '../../src/cli/chat-turn.ts';
import type { Terminal } from '../../src/cli/terminal.ts';
import { createStyle } from '../../src/cli/terminal-text.ts';

/** A terminal that keeps what was written; plain and without a spinner unless asked. */
export function recordingTerminal(
  options: { isTTY?: boolean; styled?: boolean; columns?: number } = {},
): Terminal & {
  output: string;
} {
  const terminal = {
    output: '',
    write(text: string) {
      terminal.output += text;
    },
    isTTY: options.isTTY ?? false,
    styled: options.styled ?? false,
    style: createStyle({ color: options.styled ?? false }),
    columns: () => options.columns ?? 80,
  };
  return terminal;
}

/** Ctrl-C on demand: `press()` calls whatever the chat client captured; exits are recorded. */
export function pressableInterrupts(): Interrupts & { press(): void; exits: number[] } {
  let handler: (() => void) | null = null;
  const interrupts = {
    exits: [] as number[],
    capture(next: () => void) {
      handler = next;
      return () => {
        if (handler === next) handler = null;
      };
    },
    exit(code: number) {
      interrupts.exits.push(code);
    },
    press() {
      if (!handler) throw new Error('nothing captured Ctrl-C');
      handler();
    },
  };
  return interrupts;
}
