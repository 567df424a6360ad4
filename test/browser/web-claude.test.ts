import { describe, expect, test } from 'vitest';
import { screenshot } from '../support/browser.ts';
import { browserSuite, sendFromPage } from '../support/browser-suite.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createGate } from '../support/gate-tool.ts';
import { startTestServer } from '../support/test-server.ts';

const isSubagent = (request: FakeRequest) => request.system.includes('You are a sub-agent');
const answered = (request: FakeRequest, text: string) =>
  request.toolResults.some((result) => result.content.includes(text));

const gate = createGate();
const brain = scriptedBrain([
  { when: (r) => isSubagent(r) && answered(r, 'gate opened'), reply: textReply('Sub-agent report: fine.') },
  {
    when: (r) => isSubagent(r) && r.toolResults.length > 0,
    reply: toolReply({ name: 'gate', input: { description: 'wait for the build' } }),
  },
  { when: isSubagent, reply: toolReply({ name: 'bash_exec', input: { command: 'npm test' } }) },
  { when: (r) => answered(r, 'Sub-agent report'), reply: textReply('The tests pass.') },
  {
    when: (r) => r.lastUserText === 'run the tests' && r.toolResults.length === 0,
    reply: toolReply({
      name: 'Agent',
      input: {
        description: 'Run the test suite',
        prompt: 'Run the tests.',
        subagent_type: 'worker',
        run_in_background: false,
      },
    }),
  },
  {
    when: (r) => r.toolResults.length > 0 && r.allText.includes('mention bananas'),
    reply: textReply('Done, and bananas as you asked.'),
  },
  {
    when: (r) => r.lastUserText === 'take your time' && r.toolResults.length === 0,
    reply: toolReply({ name: 'gate', input: { description: 'a long job' }, text: 'Starting the long job.' }),
  },
  { when: () => true, reply: textReply('Nothing to add.') },
]);

const suite = browserSuite({
  server: () => startTestServer({ runtime: 'claude', brain, extraTools: () => [gate.tool] }),
  afterEachTest: () => {
    gate.open();
    gate.rearm();
  },
});
const send = sendFromPage;

describe('web UI on the claude runtime', { timeout: 90_000 }, () => {
  test("a running agent row shows the sub-agent's latest tool call, also after a reload", async () => {
    const page = await suite.openPage();
    const log = page.getByRole('log', { name: 'Conversation' });
    await send(page, 'run the tests');
    await gate.reached;
    const running = log.getByRole('group', { name: 'Running agent: Run the test suite' });
    await running.getByText('↳ gate: wait for the build').waitFor();
    await screenshot(page, 'agent-progress');

    // A reload mid-turn replays the turn: the same latest call, once.
    await page.reload();
    await running.getByText('↳ gate: wait for the build').waitFor();
    expect(await log.getByText(/^↳ /).count()).toBe(1);

    gate.open();
    await log.getByRole('group', { name: 'Agent completed: Run the test suite' }).waitFor();
    await log.getByText('The tests pass.').waitFor();
    expect(await log.getByText(/^↳ /).count()).toBe(0);
    expect(await log.getByText('The tests pass.').count()).toBe(1);
  });

  test('Steer delivers a message into the running turn, and the answer reflects it', async () => {
    const page = await suite.openPage();
    const log = page.getByRole('log', { name: 'Conversation' });
    await send(page, 'take your time');
    await gate.reached;
    await page.getByRole('textbox', { name: 'Message' }).fill('also mention bananas');
    await page.getByRole('button', { name: 'Steer' }).click();
    await page.getByRole('list', { name: 'Waiting messages' }).getByText('also mention bananas').waitFor();
    await screenshot(page, 'steer-waiting');

    gate.open();
    await log.getByText('Done, and bananas as you asked.').waitFor();
    // Delivered into the same turn: one assistant message holds the tool row, the steered text and the answer.
    const turn = log.getByRole('article').filter({ hasText: 'Done, and bananas as you asked.' });
    await turn.getByText('also mention bananas').waitFor();
    await turn.getByRole('group', { name: /gate/ }).waitFor();
    expect(await page.getByRole('list', { name: 'Waiting messages' }).count()).toBe(0);
    expect(await log.getByText('also mention bananas').count()).toBe(1);
    expect(suite.server.fake.requests.some((r) => r.lastUserText === 'also mention bananas')).toBe(false);
    await screenshot(page, 'steer-delivered');
  });
});
