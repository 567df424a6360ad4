import { describe, expect, test } from 'vitest';
import { htmlToMarkdown } from './html-to-markdown.ts';

const url = 'https://example.com/page';

describe('htmlToMarkdown on hostile pages', () => {
  // Read as an article, 3,000 nested folders held the thread for about 47 s (past this test's limit).
  test('a deeply nested page is read as its text', () => {
    const html = `<html><head><title>Deep</title></head><body>${'<div>'.repeat(3000)}deep text${'</div>'.repeat(3000)}</body></html>`;
    expect(htmlToMarkdown({ html, url })).toEqual({ title: 'Deep', markdown: 'deep text' });
  });

  test('a page with too many tags to parse is read as its text, without its scripts and styles', () => {
    const html =
      '<html><head><title>Many &amp; more</title><style>p { color: red }</style></head><body>' +
      '<script>alert("hidden")</script>' +
      '<p>a &lt;b&gt; &amp;amp;</p>'.repeat(40_000) +
      '<script>never closed ' +
      '<p>lost</p>';
    const { title, markdown } = htmlToMarkdown({ html, url });
    expect(title).toBe('Many & more');
    expect(markdown.startsWith('a <b> &amp; a <b> &amp;')).toBe(true);
    expect(markdown).not.toMatch(/alert|color|never closed|lost/);
  });

  test('a deep page without <html> or <body> is measured too', () => {
    const html = `${'<div>'.repeat(3000)}deep text${'</div>'.repeat(3000)}`;
    expect(htmlToMarkdown({ html, url }).markdown).toBe('deep text');
  });

  test('the text of a page too big to parse keeps no script, whatever comes before it', () => {
    // Lower-cased, each İ becomes two characters: positions found in a lower-cased copy drift.
    const html = `${'İ'.repeat(60)}<script>SECRET_SCRIPT_BODY</script>${'<a<b>'.repeat(40_000)}`;
    const { markdown } = htmlToMarkdown({ html, url });
    expect(markdown.startsWith('İ'.repeat(60))).toBe(true);
    expect(markdown).not.toContain('SECRET');
  });

  test('an ordinary page is still Markdown', () => {
    const html = `<html><body><article><h1>Title</h1><p>${'Some words. '.repeat(30)}<a href="/next">next</a></p></article></body></html>`;
    const { markdown } = htmlToMarkdown({ html, url });
    expect(markdown).toContain('[next](https://example.com/next)');
  });
});
