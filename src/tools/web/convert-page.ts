import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Slots } from '../../util/slots.ts';
import { ToolError } from '../tool.ts';
import { textOfHtml } from './html-to-markdown.ts';

const workerUrl = new URL('./html-to-markdown-worker.ts', import.meta.url);

interface Conversion {
  html: string;
  url: string;
  timeoutMs: number;
  signal: AbortSignal;
}

const stopped = () => new ToolError('The fetch was stopped.');

/**
 * An HTML page as Markdown, converted in a worker thread: ordinary pages take 200–400 ms to
 * parse and convert, all that time on the thread every stream needs. Past `timeoutMs`, or if the
 * worker fails (its heap is capped), the page is given as its text, which takes linear passes.
 * A stopped turn ends the worker at once.
 */
export async function convertPage(options: Conversion): Promise<{ title: string; markdown: string }> {
  const release = await conversions.acquire(options.signal).catch(() => {
    throw stopped();
  });
  try {
    return await convertInWorker(options);
  } finally {
    release();
  }
}

/**
 * Conversions at once, one per core: each worker may take 512 MB and a core, and a burst of
 * fetches must not start hundreds. The others wait their turn (a stopped turn stops waiting).
 */
const conversions = new Slots(Math.max(1, availableParallelism()));

function convertInWorker(options: Conversion): Promise<{ title: string; markdown: string }> {
  const { html, url, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(stopped());
    let worker: Worker;
    try {
      worker = new Worker(workerUrl, {
        workerData: { html, url },
        resourceLimits: { maxOldGenerationSizeMb: 512 },
      });
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
  });
}
