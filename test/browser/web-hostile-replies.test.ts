import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { startTestServer } from '../support/test-server.ts';

/**
 * Replies that once blanked the whole app (the Markdown parsers overflowed the stack on deep
 * nesting) or held the tab for tens of seconds (emphasis is resolved in more than linear time).
 * The model may repeat such text from a web page it read.
 */
const hostile: Record<string, string> = {
  quotes: `${'>'.repeat(2_000)} quoted`,
  lists: `${'- '.repeat(2_000)}listed`,
  html: `${'<div>'.repeat(3_000)}boxed`,
  emphasis: `Before.\n\n${'*a'.repeat(40_000)}\n\nAfter, in **bold**.`,
};

const brain = scriptedBrain(
  Object.entries(hostile).map(([name, text]) => ({
    when: (request: { lastUserText: string }) => request.lastUserText === `reply with ${name}`,
    reply: textReply(text),
  })),
);

const suite = browserSuite({ server: () => startTestServer({ brain }) });

/** The conversation, still working: the reply's end is on screen and the composer takes text. */
async function expectAppAlive(page: Page, tail: string): Promise<void> {
  const log = page.getByRole('log', { name: 'Conversation' });
  await log.getByText(tail, { exact: false }).first().waitFor();
  await page.getByRole('button', { name: 'Send' }).waitFor();
  await page.getByRole('textbox', { name: 'Message' }).fill('still here');
}

describe('replies the Markdown renderer cannot take', { timeout: 90_000 }, () => {
  test.each([
    ['quotes', 'quoted'],
    ['lists', 'listed'],
    ['html', 'boxed'],
  ])('%s nested thousands deep: shown as plain text, live and after a reload', async (name, tail) => {
    const page = await suite.openPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await sendFromPage(page, `reply with ${name}`);
    await expectAppAlive(page, tail);
    expect(await page.locator('.plain-block').count()).toBe(1);
    expect(await page.locator('.plain-block').textContent()).toBe(hostile[name]);
    await page.reload();
    await expectAppAlive(page, tail);
    expect(await page.locator('.plain-block').textContent()).toBe(hostile[name]);
    expect(errors).toEqual([]);
    await screenshot(page, `hostile-reply-${name}`);
  });

  test('80 KB of unmatched emphasis: that block is plain, the ones around it are Markdown (360 px)', async () => {
    const page = await suite.openPage({ width: 360 });
    await sendFromPage(page, 'reply with emphasis');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.locator('[data-streamdown="strong"]', { hasText: 'bold' }).waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    const plain = await page.locator('.plain-block').allTextContents();
    expect(plain).toEqual([`${'*a'.repeat(40_000)}\n\n`]);
    await log.getByText('Before.').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    expect(overflow).toBe(0);
    await screenshot(page, 'hostile-reply-emphasis-360');
  });
});

describe('links the app cannot read', { timeout: 60_000 }, () => {
  test('a malformed conversation link opens the app on a new chat', async () => {
    const page = await suite.openPage({ path: '/s/%E0%A4%A' });
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    expect(await page.locator('.app-failed').count()).toBe(0);
  });
});
