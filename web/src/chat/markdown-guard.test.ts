import { describe, expect, test } from 'vitest';
import { failedToSplit, markdownLimits, renderableAsMarkdown, splitBlocks } from './markdown-guard.ts';

/** Whether every block of `markdown` would be rendered as Markdown. */
const allMarkdown = (markdown: string) =>
  splitBlocks(markdown).every((block) => !failedToSplit(block) && renderableAsMarkdown(block));

describe('which blocks are shown as plain text', () => {
  test('what real answers hold renders as Markdown', () => {
    const answer = [
      '# Plan',
      'Some **bold**, _emphasis_, ~~struck~~ and `code` with a [link](https://example.com).',
      '> quoted\n> > and quoted again',
      '- one\n  - nested\n    - deeper\n      1. numbered',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '<details><summary>More</summary>\n\n<div><p>inside</p></div>\n</details>',
      `\`\`\`ts\n${'const x = 1;\n'.repeat(3_000)}\`\`\``,
      'word '.repeat(3_000),
    ].join('\n\n');
    expect(allMarkdown(answer)).toBe(true);
  });

  test.each([
    ['block quotes two thousand deep', `${'>'.repeat(2_000)} x`],
    ['lists two thousand deep', `${'- '.repeat(2_000)}a`],
    ['HTML three thousand deep', '<div>'.repeat(3_000)],
    ['ten thousand unmatched emphasis marks', '*a'.repeat(10_000)],
    ['strikethrough marks the same', '~a'.repeat(10_000)],
    ['one paragraph past the size limit', 'word '.repeat(markdownLimits.blockChars / 4)],
  ])('%s: plain text', (_name, markdown) => {
    expect(allMarkdown(markdown)).toBe(false);
  });

  test('a block past a limit does not take the blocks around it with it', () => {
    const blocks = splitBlocks(`Intro with **bold**.\n\n${'*a'.repeat(5_000)}\n\nOutro.`);
    expect(blocks.map(renderableAsMarkdown)).toEqual([true, false, true]);
  });

  test('a text the splitter overflows on is one block, marked as failed', () => {
    const markdown = `${'>'.repeat(50_000)} x`;
    const blocks = splitBlocks(markdown);
    expect(blocks).toEqual([markdown]);
    expect(failedToSplit(markdown)).toBe(true);
  });
});
