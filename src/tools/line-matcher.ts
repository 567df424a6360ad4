import { Worker } from 'node:worker_threads';
import { ToolError } from './tool.ts';

export interface LineMatch {
  /** 1-based. */
  line: number;
  /** The line, clipped around the match to `maxLineChars`. */
  text: string;
}

// Plain JavaScript evaluated in the worker: no loader is needed there.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { source, flags, maxLineChars } = workerData;
const regex = new RegExp(source, flags);
const clip = (line, index) => {
  if (line.length <= maxLineChars) return line;
  const start = Math.max(0, Math.min(index - 100, line.length - maxLineChars + 2));
  const end = Math.min(line.length, start + maxLineChars - 2);
  return (start > 0 ? '…' : '') + line.slice(start, end) + (end < line.length ? '…' : '');
};
parentPort.on('message', ({ text, limit }) => {
  const lines = text.split('\\n');
  if (lines.at(-1) === '') lines.pop();
  const found = [];
  for (let index = 0; index < lines.length && found.length < limit; index++) {
    const line = lines[index].endsWith('\\r') ? lines[index].slice(0, -1) : lines[index];
    const match = regex.exec(line);
    if (match) found.push({ line: index + 1, text: clip(line, match.index) });
  }
  parentPort.postMessage(found);
});
`;

/**
 * Runs a model-supplied regular expression in a worker thread under a time budget for the whole
 * search, so a catastrophic pattern cannot stall the server: past the budget, or as soon as the
 * turn is stopped (`signal`), the worker is terminated mid-match. Close it when done.
 */
export class LineMatcher {
  readonly #worker: Worker;
  readonly #deadline: number;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal;

  constructor(options: {
    source: string;
    flags: string;
    maxLineChars: number;
    timeoutMs: number;
    signal: AbortSignal;
  }) {
    const { source, flags, maxLineChars } = options;
    this.#worker = new Worker(workerSource, { eval: true, workerData: { source, flags, maxLineChars } });
    this.#timeoutMs = options.timeoutMs;
    this.#deadline = Date.now() + options.timeoutMs;
    this.#signal = options.signal;
  }

  /** The first `limit` matching lines of `text`. */
  match(options: { text: string; limit: number }): Promise<LineMatch[]> {
    return new Promise((resolve, reject) => {
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        this.#signal.removeEventListener('abort', onAbort);
        this.#worker.off('message', onMessage).off('error', onError);
        finish();
      };
      // A stopped turn must not leave a core spinning on its regular expression.
      const onAbort = () => {
        void this.#worker.terminate();
        settle(() => reject(new ToolError('The search was stopped.')));
      };
      const onMessage = (found: LineMatch[]) => settle(() => resolve(found));
      const onError = (error: Error) => settle(() => reject(error));
      const timer = setTimeout(
        () => {
          void this.#worker.terminate();
          settle(() =>
            reject(
              new ToolError(
                `The search took longer than ${this.#timeoutMs / 1000} s and was stopped. Simplify the regular ` +
                  'expression (avoid nested quantifiers such as (a+)+ and repeated .*), or narrow the search ' +
                  'with path or glob.',
              ),
            ),
          );
        },
        Math.max(0, this.#deadline - Date.now()),
      );
      this.#worker.on('message', onMessage).on('error', onError);
      if (this.#signal.aborted) return onAbort();
      this.#signal.addEventListener('abort', onAbort, { once: true });
      this.#worker.postMessage(options);
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
