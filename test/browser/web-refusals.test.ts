import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { maxFilesPerMessage } from '../../src/protocol/index.ts';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { startTestServer } from '../support/test-server.ts';

const brain = scriptedBrain([{ when: () => true, reply: textReply('Noted.') }]);
const suite = browserSuite({ server: () => startTestServer({ brain }) });

/** One character over the server's limit on a message's length. */
const tooLong = 'y'.repeat(64_001);

/** A page on a conversation with one finished turn. */
async function openConversation(): Promise<Page> {
  const page = await suite.openPage();
  await sendFromPage(page, 'hello');
  await page.getByRole('log', { name: 'Conversation' }).getByText('Noted.').waitFor();
  await page.getByRole('button', { name: 'Send' }).waitFor();
  return page;
}

/** The refusal is told once, by the notice above the composer, and the message is back to edit. */
async function expectToldOnce(page: Page, options: { notice: RegExp; draft: string }): Promise<void> {
  const composer = page.getByRole('textbox', { name: 'Message' });
  await page.getByRole('alert').filter({ hasText: options.notice }).waitFor();
  await expect.poll(() => composer.inputValue()).toBe(options.draft);
  await page.getByRole('button', { name: 'Send' }).waitFor();
  await expect.poll(() => page.getByRole('log', { name: 'Conversation' }).getByRole('alert').count()).toBe(0);
  expect(await page.getByRole('alert').count()).toBe(1);
}

describe('web refusals', { timeout: 60_000 }, () => {
  test('a message that is too long is told once, and its text is back in the composer', async () => {
    const page = await openConversation();
    await page.getByRole('textbox', { name: 'Message' }).fill(tooLong);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expectToldOnce(page, { notice: /longer than/, draft: tooLong });
    expect(await page.getByRole('article').filter({ hasText: 'yyyy' }).count()).toBe(0);
    await screenshot(page, 'refused-too-long');
  });

  test("a new chat's message that would be refused is told once, keeps its text, and makes no chat", async () => {
    const before = (await (await suite.server.api('/api/sessions')).json()).sessions.length;
    const page = await suite.openPage();
    await page.getByRole('textbox', { name: 'Message' }).fill(tooLong);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expectToldOnce(page, { notice: /longer than/, draft: tooLong });
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await (await suite.server.api('/api/sessions')).json()).sessions).toHaveLength(before);
  });

  test('a send that failed offline leaves only the notice once the session reads back', async () => {
    const page = await openConversation();
    // The send fails as on a dropped network; the connection then comes back (the `online` event).
    await page.route(/\/messages$/, (route) => route.abort('internetdisconnected'));
    const failed = page.waitForEvent('requestfailed', (request) => request.url().endsWith('/messages'));
    await sendFromPage(page, 'sent while offline');
    await failed;
    await page.unroute(/\/messages$/);
    await suite.context!.setOffline(true);
    await suite.context!.setOffline(false);
    await expectToldOnce(page, { notice: /was not sent/, draft: 'sent while offline' });
    await screenshot(page, 'offline-send-told');
  });

  test('a conversation deleted in another window says so, and is read no more', async () => {
    const page = await openConversation();
    const sessionId = /\/s\/([^/]+)$/.exec(page.url())?.[1] ?? '';
    const reads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes(`/api/sessions/${sessionId}`)) reads.push(request.url());
    });
    expect((await suite.server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);

    await page.getByRole('alert').filter({ hasText: 'This conversation was deleted' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Message' }).count()).toBe(0);
    expect(
      await page
        .getByRole('navigation')
        .getByRole('link', { name: /Untitled|hello/ })
        .count(),
    ).toBe(0);
    const readsThen = reads.length;
    // Once told, nothing of it is asked for again (it was asked for again and again).
    await page.waitForTimeout(1_500);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.waitForTimeout(500);
    expect(reads.slice(readsThen)).toEqual([]);
    await screenshot(page, 'deleted-elsewhere');
    await page.getByRole('main').getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
  });

  test('a message refused for its attachments gets them back in the tray, with its text', async () => {
    const page = await openConversation();
    const count = maxFilesPerMessage + 1;
    await page.getByLabel('Attach files').setInputFiles(
      Array.from({ length: count }, (_, index) => ({
        name: `f${index}.txt`,
        mimeType: 'text/plain',
        buffer: Buffer.from(String(index)),
      })),
    );
    const tray = page.getByRole('list', { name: 'Attachments' });
    await expect.poll(() => tray.getByRole('listitem').count()).toBe(count);
    await sendFromPage(page, 'twenty one files');
    await expectToldOnce(page, { notice: /file/i, draft: 'twenty one files' });
    await expect.poll(() => tray.getByRole('listitem').count()).toBe(count);
    expect(await tray.getByText('f20.txt').count()).toBe(1);
    await screenshot(page, 'refused-files-back');
  });
});
