import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { scriptedBrain } from '../support/fake-model/index.ts';
import { startTestServer } from '../support/test-server.ts';

/** A TypeScript file of 150 lines, with comments and template strings that run over several lines. */
const code = Array.from(
  { length: 30 },
  (_, index) => `/**
 * Step ${index}, over lines.
 */
export const step${index} = (name: string): string => \`Hello,
\${name}, step ${index}\`;`,
).join('\n');

const brain = scriptedBrain([
  {
    when: (request: { lastUserText: string }) => request.lastUserText === 'show the file',
    reply: {
      kind: 'message',
      blocks: [{ type: 'text', text: `Here it is:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.` }],
      chunkDelayMs: 25,
    },
  },
]);

const suite = browserSuite({ server: () => startTestServer({ brain }) });

describe('a code block in a reply', { timeout: 90_000 }, () => {
  test('is highlighted while it streams in, and shows every line once it is done', async () => {
    const page = await suite.openPage();
    await sendFromPage(page, 'show the file');
    const block = page.locator('[data-streamdown="code-block"]');
    const coloured = block.locator('span[style*="--shiki-light"]');
    /** The block's code as shown: one element per line. */
    const shown = async () => (await block.locator('pre code > span').allTextContents()).join('\n');
    // Still streaming: some of the file is shown, coloured, but not its end yet.
    await coloured.first().waitFor();
    expect(await shown()).not.toContain('step 29`;');
    await screenshot(page, 'code-block-streaming');
    await page.getByText('That is all.').waitFor();
    expect(await shown()).toBe(code);
    // Every step's keyword is coloured, the last one's too.
    expect(await coloured.filter({ hasText: /^export$/ }).count()).toBe(30);
    await screenshot(page, 'code-block-done');
    await page.reload();
    await page.getByText('That is all.').waitFor();
    await coloured.first().waitFor();
    expect(await shown()).toBe(code);
  });
});
