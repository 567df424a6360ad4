import { describe, expect, test } from 'vitest';
import { convertPage } from './convert-page.ts';

const url = 'https://example.com/page';
const running = () => new AbortController().signal;
/** An ordinary article of 11,000 tags: hundreds of milliseconds of parsing and conversion. */
const article = `<html><head><title>Long</title></head><body><article>${Array.from(
  { length: 1000 },
  (_, index) =>
    `<h2>Section ${index}</h2><p>Some <b>words</b> about <a href="/s${index}">topic ${index}</a>.</p>` +
    `<ul><li>one</li><li>two <i>three</i></li></ul><pre><code>let x = ${index};</code></pre>`,
).join('')}</article></body></html>`;

describe('convertPage', () => {
  test("converts off the server's thread: timers keep firing meanwhile", async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const { title, markdown } = await convertPage({
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
    expect(await convertPage({ html, url, timeoutMs: 0, signal: running() })).toEqual({
      title: 'Slow & long',
      markdown: 'Readable text',
    });
  });

  test('a stopped turn stops the conversion', async () => {
    const stop = new AbortController();
    const conversion = convertPage({ html: article, url, timeoutMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 20);
    await expect(conversion).rejects.toThrow('The fetch was stopped.');
    const stopped = new AbortController();
    stopped.abort();
    await expect(
      convertPage({ html: article, url, timeoutMs: 60_000, signal: stopped.signal }),
    ).rejects.toThrow('The fetch was stopped.');
  });
});
