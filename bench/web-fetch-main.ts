import { setTimeout as sleep } from 'node:timers/promises';
import { PageConverter } from '../src/tools/web/convert-page.ts';
import { htmlToMarkdown } from '../src/tools/web/html-to-markdown.ts';
import { sampleAlternately } from './sample-alternately.ts';

/**
 * `node bench/web-fetch-main.ts <samples> <downloadMs>`: the web-fetch group's measurements, in
 * plain Node as the server runs (started under tsx, every worker would load tsx as well). Prints
 * the times in milliseconds as JSON: by page, the worker started for the page, the worker waiting,
 * and the conversion run on this thread.
 */
const samples = Number(process.argv[2] ?? 12);
const downloadMs = Number(process.argv[3] ?? 1_500);
const warmUpRounds = 2;
const url = 'https://example.com/article';

function article(sections: number): string {
  const body = Array.from(
    { length: sections },
    (_, index) =>
      `<h2>Section ${index}</h2><p>Some <b>words</b> about <a href="/s${index}">topic ${index}</a>, ` +
      'and a sentence or two more, as articles have.</p><ul><li>one</li><li>two <i>three</i></li></ul>',
  ).join('');
  return `<html><head><title>Article</title><script>track()</script></head><body><nav><a href="/">Home</a></nav><article>${body}</article></body></html>`;
}

const pages = [article(10), article(300)];

async function convertOnce(options: { html: string; prepared: boolean }): Promise<number> {
  const converter = new PageConverter();
  try {
    if (options.prepared) {
      converter.prepare();
      await sleep(downloadMs);
    }
    const startedAt = performance.now();
    await converter.convert({
      html: options.html,
      url,
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    return performance.now() - startedAt;
  } finally {
    converter.close();
  }
}

// Plan `page × 2 + prepared`.
const times = await sampleAlternately({
  plans: pages.flatMap((_, page) => [0, 1].map((prepared) => ({ length: page * 2 + prepared, samples }))),
  warmUpRounds,
  measure: (plan) => convertOnce({ html: pages[Math.floor(plan / 2)]!, prepared: plan % 2 === 1 }),
});
const results = pages.map((html, page) => {
  const inThread: number[] = [];
  for (let sample = 0; sample < warmUpRounds + samples; sample++) {
    const startedAt = performance.now();
    htmlToMarkdown({ html, url });
    if (sample >= warmUpRounds) inThread.push(performance.now() - startedAt);
  }
  return { bytes: html.length, started: times.get(page * 2)!, waiting: times.get(page * 2 + 1)!, inThread };
});
console.log(JSON.stringify(results));
