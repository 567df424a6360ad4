import { createInterface } from 'node:readline';

/** The lines a person types at the chat prompt. */
export interface PromptReader {
  /** The next line; null at the end of input (Ctrl-D, Ctrl-C on an empty line, or the end of a pipe). */
  read(options?: { prefill?: string }): Promise<string | null>;
  close(): void;
}

/**
 * On a terminal, a fresh readline serves each prompt and is closed while a turn runs: the terminal
 * then leaves raw mode, so Ctrl-C arrives as SIGINT and stops the turn. History carries over.
 * From a pipe, one reader serves every line, so that no buffered line is lost between prompts.
 */
export function createPromptReader(options: {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  prompt: string;
}): PromptReader {
  if (options.input.isTTY !== true) {
    const lines = createInterface({ input: options.input, terminal: false });
    const iterator = lines[Symbol.asyncIterator]();
    return {
      async read() {
        const next = await iterator.next();
        if (next.done) return null;
        // Nothing echoes piped input: show what is sent, so the transcript reads as a conversation.
        options.output.write(`${options.prompt}${next.value}\n`);
        return next.value;
      },
      close: () => lines.close(),
    };
  }
  let history: string[] = [];
  return {
    read(readOptions = {}) {
      return new Promise((resolve) => {
        const line = createInterface({
          input: options.input,
          output: options.output,
          terminal: true,
          history,
          historySize: 200,
          removeHistoryDuplicates: true,
        });
        let settled = false;
        const settle = (value: string | null) => {
          if (settled) return;
          settled = true;
          line.close();
          resolve(value);
        };
        line.on('history', (updated: string[]) => {
          history = updated;
        });
        line.on('line', (text) => settle(text));
        line.on('close', () => {
          if (!settled) options.output.write('\n');
          settle(null);
        });
        // Ctrl-C clears a half-typed line, and quits from an empty one.
        line.on('SIGINT', () => {
          if (line.line === '') return line.close();
          line.write(null, { ctrl: true, name: 'e' });
          line.write(null, { ctrl: true, name: 'u' });
        });
        line.setPrompt(options.prompt);
        line.prompt();
        if (readOptions.prefill) line.write(readOptions.prefill);
      });
    },
    close() {},
  };
}
