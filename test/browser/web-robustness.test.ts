import type { Page, Request } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createGate } from '../support/gate-tool.ts';
import { startTestServer } from '../support/test-server.ts';

const gate = createGate();
const brain = scriptedBrain([
  { when: (request) => request.lastUserText === 'first question', reply: textReply('First answer.') },
  { when: (request) => request.lastUserText === 'second question', reply: textReply('Second answer.') },
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
    // Connected again while the turn still runs: the banner goes then, not once the turn has ended.
    await page.getByText('Connection lost. Reconnecting…').waitFor({ state: 'detached', timeout: 5_000 });
    gate.open();
    await expectFinishedOnce(page);
    expect(await page.getByText('Connection lost. Reconnecting…').count()).toBe(0);
  });

  test('after a drop the banner stays until the resumed turn streams: through failed resumes and an unanswered one', async () => {
    const page = await startHeldTurn({ fakeClock: false });
    const banner = page.getByText('Connection lost. Reconnecting…');
    const send = page.getByRole('button', { name: 'Send' });
    const expectReconnectingFor = async (ms: number) => {
      for (let waited = 0; waited < ms; waited += 100) {
        expect(await banner.count()).toBe(1);
        await page.waitForTimeout(100);
      }
    };
    await suite.context!.setOffline(true);
    await banner.waitFor();
    // Back online, but every resume of the turn fails: the session reads back, the turn does not.
    await page.route(/\/stream$/, (route) => route.abort('failed'));
    const failedResume = page.waitForEvent('requestfailed', isResume);
    await suite.context!.setOffline(false);
    await failedResume;
    await expectReconnectingFor(1_500);
    // The next resume goes unanswered for a while: still nothing is received, so still reconnecting.
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    await page.unroute(/\/stream$/);
    await page.route(/\/stream$/, async (route) => {
      await answered;
      await route.continue();
    });
    await page.waitForRequest(isResume, { timeout: 20_000 });
    await page.getByRole('textbox', { name: 'Message' }).fill('second question');
    await expectReconnectingFor(1_000);
    // Sending is held meanwhile: a send now would race the resume.
    expect(await send.isDisabled()).toBe(true);
    // Once its stream flows, the turn (still held) is followed again: the banner goes.
    answer();
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    await page.getByRole('textbox', { name: 'Message' }).fill('');
    gate.open();
    await expectFinishedOnce(page);
  });

  test('a read of the session that answers after a newer turn has streamed does not take that turn away', async () => {
    const page = await suite.openPage();
    // Reads of the session whose answer holds the first turn but not the second are held back, so
    // the one the page makes after the first turn answers only once the second has streamed.
    const held: { fulfill: () => Promise<void> }[] = [];
    let firstHeld!: () => void;
    const heldOne = new Promise<void>((resolve) => (firstHeld = resolve));
    let freshRead!: () => void;
    const freshOne = new Promise<void>((resolve) => (freshRead = resolve));
    let released = false;
    let readAgain!: () => void;
    const readAgainDone = new Promise<void>((resolve) => (readAgain = resolve));
    await page.route(/\/api\/sessions\/[^/]+$/, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch();
      const body = await response.text();
      if (body.includes('First answer.') && !body.includes('Second answer.')) {
        held.push({ fulfill: () => route.fulfill({ response }) });
        firstHeld();
        return;
      }
      await route.fulfill({ response });
      if (body.includes('Second answer.')) freshRead();
      if (released) readAgain();
    });
    const log = page.getByRole('log', { name: 'Conversation' });

    await sendFromPage(page, 'first question');
    await log.getByText('First answer.').waitFor();
    await heldOne;
    await sendFromPage(page, 'second question');
    await log.getByText('Second answer.').waitFor();
    await freshOne;
    // From here on the second answer must never leave the page, not even for a moment.
    await page.evaluate(() => {
      const flags = window as unknown as { secondAnswerLeft?: boolean };
      new MutationObserver(() => {
        if (!document.body.textContent?.includes('Second answer.')) flags.secondAnswerLeft = true;
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    // The read made after the first turn now answers, older than the page: the page reads again
    // (a page that applied the old answer has done so long before the wait ends).
    released = true;
    for (const read of held.splice(0)) await read.fulfill();
    await Promise.race([readAgainDone, page.waitForTimeout(3000)]);
    await page.waitForTimeout(200);

    expect(
      await page.evaluate(
        () => (window as unknown as { secondAnswerLeft?: boolean }).secondAnswerLeft ?? false,
      ),
    ).toBe(false);
    expect(await log.getByText('Second answer.').count()).toBe(1);
    expect(await log.getByRole('article').filter({ hasText: 'second question' }).count()).toBe(1);
    expect(await log.getByText('First answer.').count()).toBe(1);
  });

  test('a page opened while a turn runs follows it, even with a slow resume, and shows no reconnect', async () => {
    const first = await startHeldTurn({ fakeClock: false });

    // A second tab on the same conversation, whose resumes take a while to answer.
    const second = await suite.context!.newPage();
    const resumes: Request[] = [];
    second.on('request', (request) => {
      if (isResume(request)) resumes.push(request);
    });
    await second.route(/\/stream$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue().catch(() => {});
    });
    await second.addInitScript(() => {
      const flags = window as unknown as { reconnectShown?: boolean };
      document.addEventListener('DOMContentLoaded', () => {
        new MutationObserver(() => {
          if (document.body.textContent?.includes('Connection lost')) flags.reconnectShown = true;
        }).observe(document.body, { childList: true, subtree: true, characterData: true });
      });
    });
    await second.goto(first.url());
    const log = second.getByRole('log', { name: 'Conversation' });
    await log.getByText('Holding the turn.').waitFor();
    // Both resumes the page starts (its own, and the live list's re-read) have answered by now.
    await second.waitForTimeout(3500);
    gate.open();
    await expectFinishedOnce(second);

    expect(
      await second.evaluate(
        () => (window as unknown as { reconnectShown?: boolean }).reconnectShown ?? false,
      ),
    ).toBe(false);
    // The mount's resume and the live list's; a third would come from a reconnect.
    expect(resumes.length).toBeLessThanOrEqual(2);
  });

  test('a page whose resumes fail before their stream begins keeps trying, and follows the turn', async () => {
    const first = await startHeldTurn({ fakeClock: false });

    // A second tab on the same conversation; its first two resumes fail as a dropped network does.
    const second = await suite.context!.newPage();
    let resumeCount = 0;
    let resumedAgain!: () => void;
    const thirdResume = new Promise<void>((resolve) => (resumedAgain = resolve));
    await second.route(/\/stream$/, async (route) => {
      resumeCount += 1;
      if (resumeCount <= 2) return route.abort('failed');
      resumedAgain();
      await route.continue().catch(() => {});
    });
    await second.goto(first.url());
    await Promise.race([
      thirdResume,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the page stopped resuming')), 15_000)),
    ]);
    gate.open();
    await expectFinishedOnce(second);
  });

  test('a resume that gets no answer is given up after 30 s, and the page reconnects', async () => {
    const first = await startHeldTurn({ fakeClock: true });

    // A second tab whose resumes get no answer at all, until the test lets them through.
    const second = await suite.context!.newPage();
    let answering = false;
    let hung = 0;
    let firstHung!: () => void;
    const oneHung = new Promise<void>((resolve) => (firstHung = resolve));
    let answered!: () => void;
    const oneAnswered = new Promise<void>((resolve) => (answered = resolve));
    await second.route(/\/stream$/, async (route) => {
      if (!answering) {
        hung += 1;
        firstHung();
        return;
      }
      answered();
      await route.continue().catch(() => {});
    });
    await second.goto(first.url());
    await oneHung;
    // The page may resume twice (its own resume, and the live list's re-read): both get no answer.
    await second.waitForTimeout(1000);
    answering = true;
    // Half a minute passes on the page's clock, without waiting for it.
    await second.clock.fastForward(31_000);
    await Promise.race([
      oneAnswered,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the page never resumed again')), 10_000)),
    ]);
    expect(hung).toBeGreaterThan(0);
    gate.open();
    await expectFinishedOnce(second);
  });
});
