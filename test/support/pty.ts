import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const cliPath = join(import.meta.dirname, '../../bin/autopilot.mjs');

/** `autopilot` running in a pseudo-terminal (util-linux `script`), driven through its keyboard. */
export interface PtyProcess {
  /** Everything the terminal showed, escape sequences included. */
  readonly raw: string;
  /** What a person reads: the screen's lines, after carriage returns, line erases and cursor moves. */
  text(): string;
  type(keys: string): void;
  /** Resolves once the readable output contains `text` (after `from`, an index into `text()`). */
  waitFor(text: string, options?: { from?: number; timeoutMs?: number }): Promise<number>;
  exited: Promise<number>;
  kill(): void;
}

export function runInPty(options: {
  args: string[];
  env?: Record<string, string>;
  /** The shell command around the CLI's (already quoted) command line; `exec` by default. */
  around?: (cli: string) => string;
}): PtyProcess {
  const cli = [process.execPath, cliPath, ...options.args].map(shellQuote).join(' ');
  // `exec` makes the CLI itself the terminal's foreground process, so Ctrl-C reaches it as SIGINT.
  const command = options.around?.(cli) ?? `exec ${cli}`;
  const child: ChildProcess = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  const waiters = new Set<() => void>();
  const onData = (data: Buffer) => {
    raw += data.toString('utf8');
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const text = () => screenText(raw);
  return {
    get raw() {
      return raw;
    },
    text,
    type: (keys) => child.stdin?.write(keys),
    waitFor(wanted, waitOptions = {}) {
      const from = waitOptions.from ?? 0;
      const timeoutMs = waitOptions.timeoutMs ?? 20_000;
      return new Promise((resolve, reject) => {
        const check = () => {
          const index = text().indexOf(wanted, from);
          if (index === -1) return;
          finish();
          resolve(index + wanted.length);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`"${wanted}" did not appear in ${timeoutMs} ms; the terminal shows:\n${text()}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Replays terminal output onto lines, as far as the chat client and readline use it: `\r`,
 * erase line (`ESC[2K`, `ESC[K`, `ESC[0J`), cursor to column (`ESC[nG`); styling is dropped.
 */
export function screenText(output: string): string {
  const lines: string[] = [];
  let line: string[] = [];
  let column = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: reading escape sequences is the point.
  const sequence = /^\x1b\[([0-9;?]*)([@-~])/;
  for (let index = 0; index < output.length; index++) {
    const character = output[index]!;
    if (character === '\x1b') {
      const match = sequence.exec(output.slice(index, index + 16));
      if (!match) continue;
      index += match[0].length - 1;
      const [, argument = '', command] = match;
      if (command === 'K' && argument === '2') line = [];
      else if (command === 'K' || command === 'J') line = line.slice(0, column);
      else if (command === 'G') column = Math.max(0, Number(argument || '1') - 1);
      continue;
    }
    if (character === '\r') column = 0;
    else if (character === '\n') {
      lines.push(line.join(''));
      line = [];
      column = 0;
    } else {
      line[column] = character;
      column++;
    }
  }
  lines.push(line.join(''));
  return lines.join('\n');
}
