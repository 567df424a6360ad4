import type { Page, Request } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createGate } from '../support/gate-tool.ts';
import { startTestServer } from '../support/test-server.ts';

const gate = createGate();
const brain = scriptedBrain([
  { when: (request) => request.toolResults.length > 0, reply: textReply('Released and finished.') },
  {
    when: () => true,
    reply: toolReply({ name: 'gate', input: { description: 'hold' }, text: 'Holding the turn.' }),
  },
]);

const suite = browserSuite({
  server: () => startTestServer({ brain, extraTools: () => [gate.tool] }),
  afterEachTest: () => {
    gate.open();
    gate.rearm();
  },
});

const isResume = (request: Request) => request.method() === 'GET' && request.url().endsWith('/stream');

/** Opens a page, sends a message and waits until the turn is held inside the gate tool. */
async function startHeldTurn(options: { fakeClock: boolean }): Promise<Page> {
  const page = await suite.openPage({ clock: options.fakeClock });
  await sendFromPage(page, 'hold it');
  await gate.reached;
  await page.getByRole('log', { name: 'Conversation' }).getByText('Holding the turn.').waitFor();
  return page;
}

/** The turn ends once, with each text once. */
async function expectFinishedOnce(page: Page): Promise<void> {
  const log = page.getByRole('log', { name: 'Conversation' });
  await log.getByText('Released and finished.').waitFor();
  await page.getByRole('button', { name: 'Send' }).waitFor();
  expect(await log.getByText('Holding the turn.').count()).toBe(1);
  expect(await log.getByText('Released and finished.').count()).toBe(1);
  expect(await log.getByRole('article').filter({ hasText: 'hold it' }).count()).toBe(1);
}

describe('web UI robustness', { timeout: 60_000 }, () => {
  test('the stall watchdog reconnects when nothing has arrived for 60 s', async () => {
    const page = await startHeldTurn({ fakeClock: true });
    const resumed = page.waitForRequest(isResume);
    // A minute of silence, without waiting a minute: the page's clock jumps; the server's heartbeats do not.
    await page.clock.fastForward(61_000);
    await resumed;
    gate.open();
    await expectFinishedOnce(page);
    await screenshot(page, 'stall-reconnected');
  });

  test('a network drop reconnects with backoff, and the turn finishes with no text twice', async () => {
    const page = await startHeldTurn({ fakeClock: false });
    const failedRetry = page.waitForEvent('requestfailed', (request) =>
      /\/api\/sessions\/[^/]+$/.test(new URL(request.url()).pathname),
    );
    await suite.context!.setOffline(true);
    await page.getByText('Connection lost. Reconnecting…').waitFor();
    // It keeps trying while offline (a retry fails), then picks the turn up once back online.
    await failedRetry;
    await screenshot(page, 'offline-reconnecting');
    const resumed = page.waitForRequest(isResume);
    await suite.context!.setOffline(false);
    await resumed;
    gate.open();
    await expectFinishedOnce(page);
    expect(await page.getByText('Connection lost. Reconnecting…').count()).toBe(0);
  });
});
