import { parentPort, workerData } from 'node:worker_threads';
import { htmlToMarkdown } from './html-to-markdown.ts';

// One page per worker (see convert-page.ts): converted, answered, and the worker ends.
parentPort?.postMessage(htmlToMarkdown(workerData as { html: string; url: string }));
