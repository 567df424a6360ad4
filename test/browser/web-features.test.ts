import { describe, expect, test } from 'vitest';
import { agentTools } from '../support/agent-tools.ts';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { slowTool } from '../support/slow-tool.ts';
import { startTestServer } from '../support/test-server.ts';

/** A valid 1×1 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** An image on another site, with what a page the model read could have put in its address. */
const remoteImage = 'http://127.0.0.1:9/chart.png?leak=conversation-secret';

const firstCall = (text: string) => (request: { lastUserText: string; toolResults: unknown[] }) =>
  request.lastUserText === text && request.toolResults.length === 0;

const brain = scriptedBrain([
  {
    when: firstCall('survey in the foreground'),
    reply: toolReply({
      name: 'Agent',
      input: { description: 'Survey the modules', prompt: 'List the modules.' },
    }),
  },
  {
    when: firstCall('survey in the background'),
    reply: toolReply({
      name: 'Agent',
      input: { description: 'Index the docs', prompt: 'Index every doc.', run_in_background: true },
    }),
  },
  {
    when: (request) => request.toolResults.some((result) => result.content.includes('async_launched')),
    reply: toolReply({ name: 'TaskOutput', input: { task_id: 'agent-7' } }),
  },
  {
    when: firstCall('take your time'),
    reply: toolReply({ name: 'slow_tool', input: { ms: 5000 }, text: 'Starting the long job.' }),
  },
  {
    when: (request) => request.lastUserText === 'take your time',
    reply: textReply('The long job finished.'),
  },
  {
    when: (request) => request.lastUserText.startsWith('what is in this picture?'),
    reply: textReply('A single dot.'),
  },
  { when: (request) => request.lastUserText === 'and then this', reply: textReply('Queued answer here.') },
  {
    when: (request) => request.lastUserText === 'show me a chart',
    reply: textReply(`Here it is: ![the chart](${remoteImage})`),
  },
  { when: (request) => request.toolResults.length > 0, reply: textReply('Sub-agents reported back.') },
]);

const suite = browserSuite({
  server: () => startTestServer({ brain, extraTools: () => [slowTool, ...agentTools()] }),
});
const send = sendFromPage;

describe('web features', { timeout: 60_000 }, () => {
  test('a foreground and a background agent row, each worded as such', async () => {
    const page = await suite.openPage();
    const log = page.getByRole('log', { name: 'Conversation' });
    await send(page, 'survey in the foreground');
    await log.getByRole('group', { name: 'Agent completed: Survey the modules' }).waitFor();
    await log.getByText('Sub-agents reported back.').waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();

    await send(page, 'survey in the background');
    await log.getByRole('group', { name: 'Agent started (background): Index the docs' }).waitFor();
    await log.getByRole('group', { name: 'Agent still running…' }).waitFor();
    await log.getByText('Sub-agents reported back.').nth(1).waitFor();
    expect(await log.getByRole('group', { name: /^Running agent/ }).count()).toBe(0);
    await log.getByRole('group', { name: 'Agent started (background): Index the docs' }).click();
    await screenshot(page, 'agent-rows');
  });

  test('an image on another site is shown as a link to it, not loaded', async () => {
    const page = await suite.openPage();
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    await send(page, 'show me a chart');
    const log = page.getByRole('log', { name: 'Conversation' });
    const link = log.getByRole('link', { name: 'the chart (image on 127.0.0.1:9)' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(remoteImage);
    expect(await log.locator('img[src*="chart.png"]').count()).toBe(0);
    expect(blocked).toEqual([]);
    await screenshot(page, 'remote-image-as-link');
  });

  test('an attached image is uploaded, shown, and reaches the model as an image block', async () => {
    const page = await suite.openPage();
    await page
      .getByLabel('Attach files')
      .setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png });
    await send(page, 'what is in this picture?');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByText('A single dot.').waitFor();
    await log.getByRole('img', { name: 'dot.png' }).waitFor();
    // The turn's own model call, not the title request (which sees the same text).
    const call = suite.server.fake.requests.find(
      (request) =>
        request.lastUserText.startsWith('what is in this picture?') &&
        !request.system.startsWith('Generate a very short title'),
    );
    expect(JSON.stringify(call?.body)).toContain(png.toString('base64'));
    expect(JSON.stringify(call?.body)).toMatch(/"type":"image"/);
    await screenshot(page, 'image-attachment');
  });

  test('two tabs on one session, one idle, both show the live turn; a queued message follows it', async () => {
    const first = await suite.openPage();
    await send(first, 'what is in this picture?');
    await first.getByRole('log', { name: 'Conversation' }).getByText('A single dot.').waitFor();
    const second = await suite.openPage({ path: new URL(first.url()).pathname });
    const secondLog = second.getByRole('log', { name: 'Conversation' });
    await secondLog.getByText('A single dot.').waitFor();

    await send(first, 'take your time');
    await first.getByRole('button', { name: 'Stop' }).waitFor();
    await secondLog.getByRole('group', { name: /^Running slow_tool/ }).waitFor();
    await second.getByRole('button', { name: 'Stop' }).waitFor();

    await first.getByRole('textbox', { name: 'Message' }).fill('and then this');
    await first.getByRole('button', { name: 'Queue' }).click();
    await first.getByRole('list', { name: 'Waiting messages' }).getByText('and then this').waitFor();
    await screenshot(first, 'queued-chip');

    for (const page of [first, second]) {
      const log = page.getByRole('log', { name: 'Conversation' });
      await log.getByText('The long job finished.').waitFor({ timeout: 20_000 });
      await log.getByText('Queued answer here.').waitFor({ timeout: 20_000 });
      expect(await log.getByText('The long job finished.').count()).toBe(1);
      expect(await log.getByRole('article').filter({ hasText: 'and then this' }).count()).toBe(1);
    }
    expect(await first.getByRole('list', { name: 'Waiting messages' }).count()).toBe(0);
    await screenshot(second, 'second-tab');
  });

  test('sessions: newest first, search, rename, delete with confirmation, each at its own URL', async () => {
    const page = await suite.openPage();
    await send(page, 'what is in this picture?');
    await page.getByRole('log', { name: 'Conversation' }).getByText('A single dot.').waitFor();
    const firstUrl = page.url();
    await page.getByRole('button', { name: 'New chat' }).click();
    await send(page, 'survey in the foreground');
    await page.getByRole('log', { name: 'Conversation' }).getByText('Sub-agents reported back.').waitFor();
    const sessions = page.getByRole('navigation', { name: 'Sessions' });
    const currentItem = sessions
      .getByRole('listitem')
      .filter({ has: page.locator('a[aria-current="page"]') });
    // Newest first: the conversation just started heads the list.
    await expect
      .poll(() => sessions.getByRole('listitem').first().locator('a[aria-current="page"]').count())
      .toBe(1);
    await currentItem.getByRole('button', { name: /^Rename / }).click();
    await page.getByRole('textbox', { name: 'Conversation title' }).fill('Module survey');
    await page.getByRole('textbox', { name: 'Conversation title' }).press('Enter');
    await sessions.getByRole('link', { name: 'Module survey' }).waitFor();

    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('module surv');
    await expect.poll(() => sessions.getByRole('link').count()).toBe(1);
    expect(await sessions.getByRole('link', { name: 'Module survey' }).count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('');

    await page.goto(firstUrl);
    await page.getByRole('log', { name: 'Conversation' }).getByText('A single dot.').waitFor();
    await page.getByRole('button', { name: 'Delete Module survey' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => sessions.getByRole('link', { name: 'Module survey' }).count()).toBe(0);
    const detail = await suite.server.api(`/api/sessions/${firstUrl.split('/s/')[1]}`);
    expect(detail.status).toBe(200);
    await screenshot(page, 'sessions-sidebar');
  });

  test('at 360 px wide: no horizontal scroll, and the sessions sit behind a button', async () => {
    const page = await suite.openPage({ width: 360 });
    await send(page, 'survey in the foreground');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByText('Sub-agents reported back.').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshot(page, 'narrow-chat');
    await page.getByRole('button', { name: 'Conversations' }).click();
    await page.getByRole('navigation', { name: 'Sessions' }).getByRole('link').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshot(page, 'narrow-sidebar');
  });
});

describe('without a model', { timeout: 60_000 }, () => {
  test('the setup banner names ANTHROPIC_API_KEY', async () => {
    const bare = await startTestServer({ noModel: true });
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(bare.url);
      await page.getByRole('alert').filter({ hasText: 'ANTHROPIC_API_KEY' }).waitFor();
      await screenshot(page, 'setup-banner');
    } finally {
      await context.close();
      await bare.close();
    }
  });
});
