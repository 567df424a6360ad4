import { parentPort } from 'node:worker_threads';
import { htmlToMarkdown } from './html-to-markdown.ts';

// One page per worker (see convert-page.ts). The worker may be started before its page is
// known: it loads the converter, then waits for the page, converts it, answers, and is ended.
parentPort?.once('message', (page: { html: string; url: string }) => {
  parentPort?.postMessage(htmlToMarkdown(page));
});
