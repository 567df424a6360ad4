import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Slots } from '../../util/slots.ts';
import { ToolError } from '../tool.ts';
import { textOfHtml } from './html-to-markdown.ts';

const converterUrl = new URL('./html-to-markdown-worker.ts', import.meta.url);
const workerOptions = { resourceLimits: { maxOldGenerationSizeMb: 512 } };

/** A worker started and waiting for its page, until `idleTimer` ends it. */
interface Spare {
  worker: Worker;
  idleTimer: NodeJS.Timeout;
}

export interface PageConverterOptions {
  /** How long a started worker waits for its page before it ends. */
  idleMs?: number;
  /** Tests only: a worker script of their own. */
  workerUrl?: URL;
}

interface Conversion {
  html: string;
  url: string;
  timeoutMs: number;
  signal: AbortSignal;
}

const stopped = () => new ToolError('The fetch was stopped.');

/**
 * Conversions at once in the process, one per core: each worker may take 512 MB and a core, and
 * a burst of fetches must not start hundreds. The others wait their turn (a stopped turn stops
 * waiting).
 */
const conversions = new Slots(Math.max(1, availableParallelism()));

/**
 * HTML pages as Markdown, each converted in a worker thread of its own: ordinary pages take
 * 200–400 ms to parse and convert, all that time on the thread every stream needs. Past
 * `timeoutMs`, or if the worker fails (its heap is capped), the page is given as its text, which
 * takes linear passes. A stopped turn ends the worker at once.
 *
 * A worker is never given a second page: what one page did to the libraries' state cannot reach
 * another user's. But starting one (a thread, then the parser, Readability and Turndown) took
 * longer than converting an ordinary page, so one worker is kept started and waiting: `prepare`
 * starts it while the page is still being fetched, and each page converted starts the next. One
 * left waiting `idleMs` ends; a waiting worker never keeps the process alive.
 */
export class PageConverter {
  readonly #idleMs: number;
  readonly #workerUrl: URL;
  #spare: Spare | null = null;
  #started = 0;
  #closed = false;

  constructor(options: PageConverterOptions = {}) {
    this.#idleMs = options.idleMs ?? 60_000;
    this.#workerUrl = options.workerUrl ?? converterUrl;
  }

  /** Starts the worker for the next page, unless one waits already. */
  prepare(): void {
    if (this.#closed || this.#spare) return;
    let worker: Worker;
    try {
      worker = this.#startWorker();
    } catch {
      // No thread to be had now; the page will try again, and be given as its text if it fails.
      return;
    }
    worker.unref();
    // One that fails while it waits (its modules failed to load, out of memory) is not given a
    // page, and its error is not left unheard (which would end the process).
    const lost = () => {
      if (this.#spare === spare) this.#dropSpare(spare);
    };
    const spare: Spare = { worker, idleTimer: setTimeout(lost, this.#idleMs) };
    spare.idleTimer.unref();
    worker.once('error', lost);
    worker.once('exit', lost);
    this.#spare = spare;
  }

  async convert(options: Conversion): Promise<{ title: string; markdown: string }> {
    const release = await conversions.acquire(options.signal).catch(() => {
      throw stopped();
    });
    try {
      return await this.#convertInWorker(options);
    } finally {
      release();
    }
  }

  /** Workers started so far, and whether one waits for a page. */
  stats(): { started: number; waiting: boolean } {
    return { started: this.#started, waiting: this.#spare !== null };
  }

  /** Ends the waiting worker; a page converting now finishes (or times out) on its own. */
  close(): void {
    this.#closed = true;
    if (this.#spare) this.#dropSpare(this.#spare);
  }

  #startWorker(): Worker {
    const worker = new Worker(this.#workerUrl, workerOptions);
    this.#started += 1;
    return worker;
  }

  #dropSpare(spare: Spare): void {
    if (this.#spare === spare) this.#spare = null;
    clearTimeout(spare.idleTimer);
    spare.worker.removeAllListeners();
    spare.worker.on('error', () => {});
    void spare.worker.terminate();
  }

  /** The waiting worker, or a new one. */
  #takeWorker(): Worker {
    const spare = this.#spare;
    if (!spare) return this.#startWorker();
    this.#spare = null;
    clearTimeout(spare.idleTimer);
    spare.worker.removeAllListeners();
    spare.worker.ref();
    return spare.worker;
  }

  #convertInWorker(options: Conversion): Promise<{ title: string; markdown: string }> {
    const { html, url, signal } = options;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(stopped());
      let worker: Worker;
      try {
        worker = this.#takeWorker();
      } catch {
        // No worker to be had (threads exhausted): the page is still given, as its text.
        return resolve(textOfHtml(html));
      }
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        worker.removeAllListeners();
        // Errors after the answer (the worker ending) have nothing left to report to.
        worker.on('error', () => {});
        void worker.terminate();
        settle();
        // The next page's worker starts once this one is done, not beside it.
        this.prepare();
      };
      const asText = () => finish(() => resolve(textOfHtml(html)));
      const onAbort = () => finish(() => reject(stopped()));
      const timer = setTimeout(asText, options.timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (converted: { title: string; markdown: string }) =>
        finish(() => resolve(converted)),
      );
      worker.once('error', asText);
      worker.once('exit', asText);
      worker.postMessage({ html, url });
    });
  }
}
