import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { overloaded, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { slowTool } from '../support/slow-tool.ts';
import { sendMessage, startTestServer } from '../support/test-server.ts';

const answer =
  'Here is **the plan**:\n\n1. Read the notes\n2. Write the summary\n\n```ts\nconst answer: number = 42;\n```\n\nAll done.';

/** The model is busy until the test says otherwise. */
let busy = true;

const brain = scriptedBrain([
  {
    when: (request) => request.lastUserText === 'flaky question',
    reply: () => (busy ? overloaded() : textReply('Answered on the second try.')),
  },
  {
    when: (request) => request.lastUserText === 'write the notes' && request.toolResults.length === 0,
    reply: toolReply({
      name: 'write_file',
      input: { path: 'notes/today.md', content: '# Notes\nShip it.\n' },
      text: 'Writing the notes.',
    }),
  },
  {
    when: (request) => request.lastUserText === 'write the notes',
    reply: textReply('The notes are in `notes/today.md`.'),
  },
  {
    when: (request) => request.lastUserText === 'write at length',
    reply: textReply(
      Array.from({ length: 80 }, (_, index) => `Paragraph ${index} of a long answer.`).join('\n\n'),
    ),
  },
  {
    // After a failed turn, the next message reaches the model with the unanswered one before it.
    when: (request) => request.lastUserText.endsWith('and one more thing'),
    reply: textReply('The answer to the last thing.'),
  },
  {
    when: (request) => request.lastUserText === 'plan it',
    reply: { kind: 'message', blocks: [{ type: 'text', text: answer }], chunkDelayMs: 15 },
  },
  {
    when: (request) => request.lastUserText.startsWith('take your time') && request.toolResults.length === 0,
    reply: toolReply({ name: 'slow_tool', input: { ms: 8000 }, text: 'Starting the long job.' }),
  },
  {
    when: (request) => request.lastUserText.startsWith('take your time'),
    reply: textReply('The long job finished.'),
  },
]);

const suite = browserSuite({ server: () => startTestServer({ brain, extraTools: () => [slowTool] }) });
const send = sendFromPage;

describe('web chat', { timeout: 60_000 }, () => {
  test('send, see the streamed markdown and a tool row reach its finished state', async () => {
    const page = await suite.openPage();
    await send(page, 'plan it');
    const log = page.getByRole('log', { name: 'Conversation' });
    await expect.poll(() => log.getByRole('article').count()).toBe(2);
    await log.getByText('All done.').waitFor();
    await expect.poll(() => log.locator('code').filter({ hasText: 'const answer' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await expect.poll(() => page.url()).toMatch(/\/s\/[^/]+$/);

    await send(page, 'write the notes');
    const row = log.getByRole('group', { name: 'Wrote today.md' });
    await row.waitFor();
    await log.getByText('The notes are in').waitFor();
    expect(await log.getByRole('article').count()).toBe(4);
    await expect
      .poll(() =>
        page.getByRole('region', { name: 'Workspace' }).getByRole('link', { name: 'notes/today.md' }).count(),
      )
      .toBe(1);
    await expect.poll(() => log.getByText(/tokens/).count()).toBe(2);
    await screenshot(page, 'chat-streamed');
  });

  test('reload in the middle of a turn: the same turn finishes, with no text twice', async () => {
    const page = await suite.openPage();
    await send(page, 'take your time');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByRole('group', { name: /^Running slow_tool/ }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await page.reload();

    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await log.getByText('The long job finished.').waitFor({ timeout: 15_000 });
    expect(await log.getByText('Starting the long job.').count()).toBe(1);
    expect(await log.getByText('The long job finished.').count()).toBe(1);
    expect(await log.getByRole('group', { name: /slow_tool/ }).count()).toBe(1);
    expect(await log.getByText('take your time').count()).toBe(1);
    await screenshot(page, 'chat-after-reload');
  });

  test('a retryable error shows its card; Try again succeeds and the prompt is in history once', async () => {
    const page = await suite.openPage();
    await send(page, 'flaky question');
    const log = page.getByRole('log', { name: 'Conversation' });
    const card = log.getByRole('alert');
    await card.getByRole('button', { name: 'Try again' }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'retryable-error');
    busy = false;
    await card.getByRole('button', { name: 'Try again' }).click();
    await log.getByText('Answered on the second try.').waitFor();
    expect(await log.getByRole('alert').count()).toBe(0);
    expect(await log.getByText('flaky question').count()).toBe(1);
    const sessionId = new URL(page.url()).pathname.split('/').at(-1);
    const detail = await (await suite.server.api(`/api/sessions/${sessionId}`)).json();
    const prompts = detail.messages.filter((message: { role: string }) => message.role === 'user');
    expect(prompts).toHaveLength(1);
  });

  test('Try again after another client’s message came: the page reads the conversation again, nothing runs', async () => {
    busy = true;
    const page = await suite.openPage();
    // This page hears nothing from other clients: as when its events connection lags.
    await page.route(/\/api\/events/, (route) => route.abort());
    await page.reload();
    await send(page, 'flaky question');
    const log = page.getByRole('log', { name: 'Conversation' });
    const tryAgain = log.getByRole('alert').getByRole('button', { name: 'Try again' });
    await tryAgain.waitFor({ timeout: 30_000 });
    const sessionId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const theirs = await sendMessage(suite.server, { sessionId, text: 'and one more thing' });
    expect(theirs.status).toBe(200);
    await theirs.text();
    busy = false;

    await tryAgain.click();
    await log.getByText('The answer to the last thing.').waitFor();
    await page.getByRole('alert').filter({ hasText: 'not the last one in this conversation' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
    expect(await log.getByText('flaky question').count()).toBe(1);
    expect(await log.getByText('Answered on the second try.').count()).toBe(0);
    await screenshot(page, 'try-again-overtaken');
    const detail = await (await suite.server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages.map((message: { role: string }) => message.role)).toEqual([
      'user',
      'user',
      'assistant',
    ]);
  });

  test('stop: the turn shows "Stopped" and the next message goes at once', async () => {
    const page = await suite.openPage();
    await send(page, 'take your time, then stop');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByRole('group', { name: /^Running slow_tool/ }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await log.getByText('Stopped', { exact: true }).waitFor();
    await send(page, 'plan it');
    await log.getByText('All done.').waitFor();
    expect(await log.getByText('The long job finished.').count()).toBe(0);
    await screenshot(page, 'chat-stopped');
  });

  test('a message sent while scrolled up brings the log back down to it and its reply', async () => {
    const page = await suite.openPage();
    await send(page, 'write at length');
    const log = page.getByRole('log', { name: 'Conversation' });
    await log.getByText('Paragraph 79 of a long answer.').waitFor();
    const scroller = page.locator('.log-scroller');
    await scroller.evaluate((element) => {
      element.scrollTop = 0;
    });
    await page.waitForTimeout(100);
    await send(page, 'and one more thing');
    const reply = log.getByText('The answer to the last thing.');
    await reply.waitFor();
    await page.waitForTimeout(200);
    // The reply is on screen, inside the scroller's box, and the log is at its bottom.
    const box = (await scroller.boundingBox())!;
    const replyBox = (await reply.boundingBox())!;
    expect(replyBox.y).toBeGreaterThanOrEqual(box.y);
    expect(replyBox.y + replyBox.height).toBeLessThanOrEqual(box.y + box.height);
    expect(
      await scroller.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight),
    ).toBeLessThan(80);
    await screenshot(page, 'chat-sent-while-scrolled-up');
  });
});
