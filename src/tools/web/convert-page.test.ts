import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { PageConverter, type PageConverterOptions } from './convert-page.ts';

const url = 'https://example.com/page';
const running = () => new AbortController().signal;
/** An ordinary article of 11,000 tags: hundreds of milliseconds of parsing and conversion. */
const article = `<html><head><title>Long</title></head><body><article>${Array.from(
  { length: 1000 },
  (_, index) =>
    `<h2>Section ${index}</h2><p>Some <b>words</b> about <a href="/s${index}">topic ${index}</a>.</p>` +
    `<ul><li>one</li><li>two <i>three</i></li></ul><pre><code>let x = ${index};</code></pre>`,
).join('')}</article></body></html>`;

const converters: PageConverter[] = [];
function newConverter(options?: PageConverterOptions): PageConverter {
  const converter = new PageConverter(options);
  converters.push(converter);
  return converter;
}
afterEach(() => {
  for (const converter of converters.splice(0)) converter.close();
});

const small =
  '<html><head><title>Small</title></head><body><article><p>Hello <b>there</b>.</p></article></body></html>';

describe('PageConverter', () => {
  test("converts off the server's thread: timers keep firing meanwhile", async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const { title, markdown } = await newConverter().convert({
        html: article,
        url,
        timeoutMs: 60_000,
        signal: running(),
      });
      expect(title).toBe('Long');
      expect(markdown).toContain('## Section 999');
      expect(markdown).toContain('[topic 7](https://example.com/s7)');
    } finally {
      clearInterval(ticker);
    }
    // Converted on this thread, the page would have let no timer fire until it was done.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  test('a page still converting at the time limit is given as its text, scripts left out', async () => {
    const html = `<html><head><title>Slow &amp; long</title><script>SECRET()</script></head><body><p>Readable text</p></body></html>`;
    expect(await newConverter().convert({ html, url, timeoutMs: 0, signal: running() })).toEqual({
      title: 'Slow & long',
      markdown: 'Readable text',
    });
  });

  test('a stopped turn stops the conversion', async () => {
    const converter = newConverter();
    const stop = new AbortController();
    const conversion = converter.convert({ html: article, url, timeoutMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 20);
    await expect(conversion).rejects.toThrow('The fetch was stopped.');
    const stopped = new AbortController();
    stopped.abort();
    await expect(
      converter.convert({ html: article, url, timeoutMs: 60_000, signal: stopped.signal }),
    ).rejects.toThrow('The fetch was stopped.');
  });

  test('a prepared worker takes the next page, and each page gets a worker of its own', async () => {
    const converter = newConverter();
    converter.prepare();
    converter.prepare();
    expect(converter.stats()).toEqual({ started: 1, waiting: true });
    const conversion = converter.convert({ html: small, url, timeoutMs: 60_000, signal: running() });
    await new Promise((resolve) => setImmediate(resolve));
    // The page went to the waiting worker, and no other was started beside it.
    expect(converter.stats()).toEqual({ started: 1, waiting: false });
    expect(await conversion).toEqual({ title: 'Small', markdown: 'Hello **there**.' });
    // The next page's worker was started once this one was done.
    expect(converter.stats()).toEqual({ started: 2, waiting: true });
    await converter.convert({ html: small, url, timeoutMs: 60_000, signal: running() });
    expect(converter.stats()).toEqual({ started: 3, waiting: true });
  });

  test('a worker left waiting ends, and none is started once the converter is closed', async () => {
    const idle = newConverter({ idleMs: 50 });
    idle.prepare();
    for (let waited = 0; idle.stats().waiting && waited < 5_000; waited += 20) await sleep(20);
    expect(idle.stats()).toEqual({ started: 1, waiting: false });

    const closed = newConverter();
    closed.prepare();
    closed.close();
    expect(closed.stats().waiting).toBe(false);
    closed.prepare();
    await closed.convert({ html: small, url, timeoutMs: 60_000, signal: running() });
    expect(closed.stats()).toEqual({ started: 2, waiting: false });
  });

  test('in a process of its own: converts, then its waiting worker does not keep the process alive', async () => {
    // Run as the server runs: plain Node, which loads the worker's TypeScript itself.
    const folder = await mkdtemp(join(tmpdir(), 'convert-page-'));
    const script = join(folder, 'convert.mjs');
    await writeFile(
      script,
      `const { PageConverter } = await import(${JSON.stringify(new URL('./convert-page.ts', import.meta.url).href)});
const converter = new PageConverter();
converter.prepare();
const page = await converter.convert({ html: ${JSON.stringify(small)}, url: 'https://example.com/', timeoutMs: 60000, signal: new AbortController().signal });
console.log(JSON.stringify({ page, stats: converter.stats() }));`,
    );
    try {
      // Kept alive by the worker, the process would wait the worker's full minute: killed at 20 s.
      const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 20_000 });
      expect(JSON.parse(stdout)).toEqual({
        page: { title: 'Small', markdown: 'Hello **there**.' },
        stats: { started: 2, waiting: true },
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test.each([
    ['fails to load', "throw new Error('died while waiting');"],
    ['ends', 'process.exit(0);'],
  ])('a waiting worker that %s is not given the page, and the process goes on', async (_, source) => {
    const folder = await mkdtemp(join(tmpdir(), 'convert-page-'));
    try {
      const workerUrl = pathToFileURL(join(folder, 'worker.mjs'));
      await writeFile(workerUrl, source);
      const converter = newConverter({ workerUrl });
      converter.prepare();
      for (let waited = 0; converter.stats().waiting && waited < 10_000; waited += 20) await sleep(20);
      expect(converter.stats()).toEqual({ started: 1, waiting: false });
      // Its own worker fails as well: the page is given as its text, long before the time limit.
      expect(await converter.convert({ html: small, url, timeoutMs: 60_000, signal: running() })).toEqual({
        title: 'Small',
        markdown: 'Hello there .',
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
