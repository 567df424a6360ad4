import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

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

let browser: Browser;
let server: TestServer;
let context: BrowserContext | undefined;

beforeAll(async () => {
  [browser, server] = await Promise.all([
    launchBrowser(),
    startTestServer({ brain, env: { AUTOPILOT_API_TOKENS: `alice:${token}` } }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
afterEach(async (testContext) => {
  if (testContext.task.result?.state === 'fail') {
    const page = context?.pages()[0];
    if (page) await screenshot(page, `failed-${testContext.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
  }
  await context?.close();
  context = undefined;
});

async function signIn(): Promise<{ page: Page; urls: string[] }> {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await page.goto(server.url);
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
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url);
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
