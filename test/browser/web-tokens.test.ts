import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite } from '../support/browser-suite.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { startTestServer } from '../support/test-server.ts';

/** A valid 1×1 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const token = 'correct-horse-battery';
const notes = '# Notes\nShip it.\n';

const brain = scriptedBrain([
  {
    when: (request) =>
      request.lastUserText.startsWith('what is in this picture?') && request.toolResults.length === 0,
    reply: toolReply({ name: 'write_file', input: { path: 'notes/today.md', content: notes } }),
  },
  { when: () => true, reply: textReply('A single dot; notes written.') },
]);

const suite = browserSuite({
  server: () => startTestServer({ brain, env: { AUTOPILOT_API_TOKENS: `alice:${token}` } }),
});

async function signIn(): Promise<{ page: Page; urls: string[] }> {
  const page = await suite.openPage();
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
  return { page, urls };
}

const loadedWidth = (page: Page, name: string | RegExp) =>
  page
    .getByRole('img', { name })
    .first()
    .evaluate((image: HTMLImageElement) => (image.complete ? image.naturalWidth : 0));

describe('with access tokens', { timeout: 60_000 }, () => {
  test('the page asks for a token, refuses a wrong one, and works with the right one', async () => {
    const page = await suite.openPage();
    await page.getByLabel('Access token').fill('wrong-token');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('textbox', { name: 'Message' }).fill('hello');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('log', { name: 'Conversation' }).getByText('A single dot; notes written.').waitFor();
    await screenshot(page, 'token-accepted');
  });

  test('thumbnails, previews and downloads carry the token, never in a URL', async () => {
    const { page, urls } = await signIn();
    await page
      .getByLabel('Attach files')
      .setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('textbox', { name: 'Message' }).fill('what is in this picture?');
    await page.getByRole('button', { name: 'Send' }).click();
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByText('A single dot; notes written.').waitFor();

    // The sent message's thumbnail, loaded through the API.
    await expect.poll(() => loadedWidth(page, 'dot.png')).toBe(1);

    const workspace = page.getByRole('region', { name: 'Workspace' });
    await workspace.getByRole('link', { name: 'notes/today.md' }).waitFor();
    await workspace.getByRole('button', { name: 'notes/today.md' }).click();
    await workspace.getByText('Ship it.').waitFor();

    const downloading = page.waitForEvent('download');
    await workspace.getByRole('link', { name: 'notes/today.md' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('today.md');
    expect(await readFile(await download.path(), 'utf8')).toBe(notes);

    // The attachment's copy in the workspace previews as an image.
    await workspace.getByRole('button', { name: /dot.*\.png$/ }).click();
    await expect.poll(() => loadedWidth(page, /^attachments\/.*dot.*\.png$/)).toBe(1);
    await screenshot(page, 'token-files');

    expect(urls.filter((url) => url.includes(token))).toEqual([]);
  });
});
