import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { bracketedPaste, LinePastes, withPastesCollected } from './bracketed-paste.ts';

/** The lines a person types at the chat prompt. */
export interface PromptReader {
  /** The next line; null at the end of input (Ctrl-D, Ctrl-C on an empty line, or the end of a pipe). */
  read(options?: { prefill?: string }): Promise<string | null>;
  close(): void;
}

type PromptInput = NodeJS.ReadableStream & {
  isTTY?: boolean;
  fd?: number;
  setRawMode?: (mode: boolean) => unknown;
};

/** How long a message put back at the prompt waits for keys typed ahead to arrive first. */
const typedAheadWaitMs = 30;

/**
 * One readline serves every prompt, so lines that arrive together (a pipe, typing ahead) are
 * queued, never lost. Between prompts it is paused and, on a terminal, raw mode is off: Ctrl-C
 * then arrives as SIGINT, which stops the running turn. Echo is off too: keys typed ahead would
 * be drawn into the spinner's line, and Enter would leave that line behind; the line typed
 * shows at the prompt when its turn comes. At a terminal's prompt, bracketed paste is
 * on: a paste of several lines is one message, shown as a placeholder until Enter sends it.
 */
export function createPromptReader(options: {
  input: PromptInput;
  output: NodeJS.WritableStream;
  prompt: string;
}): PromptReader {
  const { input, output, prompt } = options;
  const terminal = input.isTTY === true;
  const pastes = new LinePastes();
  const line = createInterface({
    input: terminal ? withPastesCollected({ input, pastes }) : input,
    output: terminal ? output : undefined,
    terminal,
    historySize: 200,
    removeHistoryDuplicates: true,
  });
  // At the prompt too: raw mode and bracketed paste would stay on in the shell as well.
  const releaseSignals = terminal
    ? restoreTerminalOnSignals(() => {
        setPasteMode(false);
        input.setRawMode?.(false);
        setEcho({ input, on: true });
      })
    : () => {};
  const queued: string[] = [];
  let ended = false;
  let waiting: ((text: string | null) => void) | null = null;
  let pasteModeOn = false;
  const setPasteMode = (on: boolean) => {
    if (!terminal || on === pasteModeOn) return;
    pasteModeOn = on;
    output.write(on ? bracketedPaste.on : bracketedPaste.off);
    // However the process ends, the terminal is not left wrapping pastes for the shell.
    if (on) process.once('exit', leavePasteMode);
    else process.removeListener('exit', leavePasteMode);
  };
  const leavePasteMode = () => setPasteMode(false);
  const idle = () => {
    line.pause();
    if (!terminal) return;
    input.pause();
    setPasteMode(false);
    if (ended) return;
    input.setRawMode?.(false);
    setEcho({ input, on: false });
  };
  const deliver = (text: string | null) => {
    const resolve = waiting;
    waiting = null;
    idle();
    resolve?.(text);
  };
  line.on('line', (entered) => {
    const { text, repaired } = pastes.expand(entered);
    if (repaired !== null && waiting && terminal) {
      // A placeholder was cut into: nothing is sent, and the line comes back with it whole.
      output.write(
        'The placeholder of a paste was edited, so it is back whole: Enter sends it, Ctrl-U clears the line.\n',
      );
      line.prompt();
      line.write(repaired);
      return;
    }
    if (waiting) deliver(text);
    else queued.push(text);
  });
  line.on('close', () => {
    ended = true;
    // The terminal's own input is read apart from the readline: it must stop too, or hold the process.
    if (terminal) input.pause();
    setPasteMode(false);
    if (waiting) {
      if (terminal) output.write('\n');
      deliver(null);
    }
  });
  // Ctrl-C at the prompt clears a half-typed line, and quits from an empty one.
  line.on('SIGINT', () => {
    if (line.line === '') return line.close();
    line.write(null, { ctrl: true, name: 'e' });
    line.write(null, { ctrl: true, name: 'u' });
  });
  idle();

  return {
    async read(readOptions = {}) {
      const next = queued.shift();
      if (next !== undefined) {
        // Typed ahead or piped: show it at a prompt, so the conversation reads in order.
        output.write(`${prompt}${next}\n`);
        return next;
      }
      if (ended) return null;
      return new Promise((resolve) => {
        waiting = resolve;
        if (terminal) {
          input.setRawMode?.(true);
          input.resume();
          setPasteMode(true);
        }
        line.resume();
        if (terminal) {
          line.setPrompt(prompt);
          line.prompt();
          const { prefill } = readOptions;
          if (prefill) {
            // A message put back after a failed send: several lines go back in as one paste. Keys
            // typed while the turn ran reach the line only now that input resumes: the message
            // waits for them and gives way to them, rather than being joined to them (one typed
            // at this prompt stays one Up away in its history). The check phase after the timer
            // follows a poll phase, which has read what was waiting.
            const putBack = () => {
              if (waiting === resolve && line.line === '') line.write(pastes.add(prefill));
            };
            setTimeout(() => setImmediate(putBack), typedAheadWaitMs);
          }
        }
      });
    },
    close: () => {
      line.close();
      if (terminal) setEcho({ input, on: true });
      releaseSignals();
    },
  };
}

/**
 * Cooked mode without echo has no call in Node, so `stty` sets it, on the terminal the input
 * reads (a few milliseconds, once per message sent). Leaving raw mode puts back what the terminal
 * had, and Node puts the terminal back as it found it when the process exits, or ends on SIGINT
 * or SIGTERM; `restoreTerminalOnSignals` covers the signals it does not. Where `stty` is missing,
 * typing ahead echoes as before.
 */
function setEcho(options: { input: PromptInput; on: boolean }): void {
  if (process.platform === 'win32') return;
  try {
    execFileSync('stty', [options.on ? 'echo' : '-echo'], {
      stdio: [options.input.fd ?? 0, 'ignore', 'ignore'],
      timeout: 2_000,
    });
  } catch {
    // The terminal keeps its echo: what is typed ahead shows in the spinner's line.
  }
}

/**
 * Ctrl-\ (SIGQUIT) and a closed terminal window (SIGHUP) end the process without Node's reset
 * of the terminal: echo would stay off in the shell (or raw mode on, at the prompt). Each runs
 * `restore`, then ends the process as the signal would have. Returns the function that takes the
 * handlers away.
 */
function restoreTerminalOnSignals(restore: () => void): () => void {
  const signals = ['SIGQUIT', 'SIGHUP'] as const;
  const handlers = signals.map((signal) => {
    const handler = () => {
      restore();
      process.removeListener(signal, handler);
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  return () => {
    for (const { signal, handler } of handlers) process.removeListener(signal, handler);
  };
}
