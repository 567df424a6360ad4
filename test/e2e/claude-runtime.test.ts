import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const isSubagent = (request: FakeRequest) => request.system.includes('You are a sub-agent');

describe('claude runtime', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  async function turn(sessionId: string, text: string) {
    const parsed = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
    expect(parsed.errors).toEqual([]);
    return parsed;
  }

  const conversationBrain = scriptedBrain([
    { when: (request) => request.toolResults.length > 0, reply: textReply('Saved.') },
    {
      when: (request) => request.lastUserText.startsWith('save'),
      reply: toolReply({ name: 'write_file', input: { path: 'a.txt', content: 'alpha' } }),
    },
    { when: () => true, reply: (request) => textReply(`Echo: ${request.lastUserText.slice(-40)}`) },
  ]);

  function mainCall(text: string): FakeRequest {
    const call = server.fake.requests.find(
      (request) => request.lastUserText.endsWith(text) && request.toolNames.length > 0,
    );
    if (!call) throw new Error(`no model call for "${text}"`);
    return call;
  }

  test('resumes from the stored transcript, also after a restart on a fresh CLI state dir', async () => {
    server = await startTestServer({ runtime: 'claude', brain: conversationBrain });
    const sessionId = await createSession(server);
    await turn(sessionId, 'save a file');
    await turn(sessionId, 'second question');
    const second = mainCall('second question');
    // Resumed natively: the earlier tool call is structured history, not a replayed text block.
    expect(
      second.messages.some((message) => message.toolUses.some((use) => use.name.endsWith('write_file'))),
    ).toBe(true);
    expect(second.allText).not.toContain('<conversation_history>');

    await server.restart();
    await rm(join(server.dataDir, 'claude'), { recursive: true, force: true });
    await turn(sessionId, 'third question');
    const third = mainCall('third question');
    expect(third.allText).not.toContain('<conversation_history>');
    expect(third.allText).toContain('second question');
    expect(
      third.messages.some((message) => message.toolUses.some((use) => use.name.endsWith('write_file'))),
    ).toBe(true);
  }, 90_000);

  test('an unusable transcript is not used: the history is replayed as <conversation_history>', async () => {
    server = await startTestServer({ runtime: 'claude', brain: conversationBrain });
    const sessionId = await createSession(server);
    await turn(sessionId, 'save a file');
    await server.restart();
    await rm(join(server.dataDir, 'claude'), { recursive: true, force: true });
    const { openSqliteDatabase } = await import('../../src/store/sqlite/open-sqlite-database.ts');
    const database = await openSqliteDatabase({ path: join(server.dataDir, 'autopilot.db') });
    await database.updateTable('transcripts').set({ content: '{not json' }).execute();
    await database.destroy();

    await turn(sessionId, 'after corruption');
    const call = mainCall('after corruption');
    expect(call.allText).toContain('<conversation_history>');
    expect(call.allText).toContain('User: save a file');
    expect(call.allText).toContain('Assistant: Saved.');
  });

  test('Bash, unknown built-ins and a sub-agent asking for Write are all denied by the policy; the turn ends normally', async () => {
    const seen: FakeRequest['toolResults'] = [];
    server = await startTestServer({
      runtime: 'claude',
      // The CLI offers these (to the sub-agent too): only the policy hook stands between them and the machine.
      claudeTestOptions: { unguardedCliTools: ['Bash', 'Write', 'Read'] },
      brain: scriptedBrain([
        {
          when: (request) => isSubagent(request) && request.toolResults.length > 0,
          reply: (request) => {
            seen.push(...request.toolResults);
            return textReply('Sub-agent report: could not write.');
          },
        },
        {
          when: isSubagent,
          reply: toolReply({ name: 'Write', input: { file_path: '/tmp/autopilot-pwned.txt', content: 'x' } }),
        },
        {
          when: (request) =>
            request.toolResults.length > 0 &&
            request.toolResults.some((r) => r.content.includes('Sub-agent report')),
          reply: textReply('All done.'),
        },
        {
          when: (request) => request.toolResults.length > 0,
          reply: (request) => {
            seen.push(...request.toolResults);
            return toolReply({
              name: 'Agent',
              input: {
                description: 'write',
                prompt: 'Write the file',
                subagent_type: 'worker',
                run_in_background: false,
              },
            });
          },
        },
        {
          when: () => true,
          reply: {
            kind: 'message',
            blocks: [
              { type: 'tool_use', name: 'Bash', input: { command: 'touch /tmp/autopilot-pwned-bash' } },
              // A built-in the policy has never heard of, as a future CLI version would add one.
              { type: 'tool_use', name: 'Read', input: { file_path: '/etc/passwd' } },
              // A name the CLI itself does not know.
              { type: 'tool_use', name: 'FutureBuiltin', input: {} },
            ],
          },
        },
      ]),
    });
    const sessionId = await createSession(server);
    const { message, chunks } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'try it' })).body!,
    );
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(chunks.some((chunk) => chunk.type === 'error')).toBe(false);
    expect(seen.filter((result) => result.isError)).toHaveLength(4);
    const results = seen.map((result) => result.content).join('\n');
    for (const name of ['Bash', 'Read', 'Write']) {
      expect(results).toContain(`Tool "${name}" is not available here`);
    }
    expect(results).toContain('FutureBuiltin');
    expect(results).not.toContain('root:');
    const parts = message?.parts ?? [];
    expect(parts.find((part) => part.type === 'tool-Bash')).toMatchObject({ state: 'output-error' });
    expect(parts.find((part) => part.type === 'tool-Agent')).toMatchObject({ state: 'output-available' });
    expect(parts.at(-1)).toMatchObject({ type: 'text', text: 'All done.' });
    await expect(readdir('/tmp')).resolves.not.toContain('autopilot-pwned-bash');
    await expect(readdir('/tmp')).resolves.not.toContain('autopilot-pwned.txt');
  });

  test('with maxSubagents=1 a second concurrent sub-agent (background) is denied with a clear reason', async () => {
    const seen: FakeRequest['toolResults'] = [];
    server = await startTestServer({
      runtime: 'claude',
      env: { AUTOPILOT_MAX_SUBAGENTS: '1' },
      brain: scriptedBrain([
        { when: isSubagent, reply: textReply('Sub-agent report: done.') },
        {
          when: (request) => request.toolResults.length > 0,
          reply: (request) => {
            seen.push(...request.toolResults);
            return textReply('Finished.');
          },
        },
        {
          when: () => true,
          reply: {
            kind: 'message',
            blocks: [
              {
                type: 'tool_use',
                name: 'Agent',
                input: {
                  description: 'one',
                  prompt: 'p1',
                  subagent_type: 'worker',
                  run_in_background: false,
                },
              },
              {
                type: 'tool_use',
                name: 'Agent',
                input: { description: 'two', prompt: 'p2', subagent_type: 'worker', run_in_background: true },
              },
            ],
          },
        },
      ]),
    });
    const sessionId = await createSession(server);
    const { chunks } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'delegate twice' })).body!,
    );
    expect(chunks.at(-1)?.type).toBe('finish');
    const denied = seen.filter((result) => result.isError);
    expect(denied).toHaveLength(1);
    expect(denied[0]?.content).toContain('At most 1 sub-agent may run at once');
    expect(seen.some((result) => !result.isError && result.content.includes('Sub-agent report: done.'))).toBe(
      true,
    );
  });

  test('a background sub-agent’s result reaches the stored conversation, and its usage is counted', async () => {
    server = await startTestServer({
      runtime: 'claude',
      // A model with a known price, so the sub-agent's share shows in the cost too.
      env: { AUTOPILOT_MODEL: 'claude-sonnet-4-5' },
      brain: scriptedBrain([
        {
          when: isSubagent,
          reply: {
            kind: 'message',
            blocks: [{ type: 'text', text: 'BACKGROUND-REPORT-42' }],
            chunkDelayMs: 150,
            usage: { inputTokens: 1000, outputTokens: 500 },
          },
        },
        {
          when: (request) => request.allText.includes('BACKGROUND-REPORT-42'),
          reply: textReply('The background agent reported 42.'),
        },
        {
          when: (request) => request.toolResults.length > 0,
          reply: textReply('Started it in the background.'),
        },
        {
          when: () => true,
          reply: toolReply({
            name: 'Agent',
            input: {
              description: 'bg',
              prompt: 'Report 42',
              subagent_type: 'worker',
              run_in_background: true,
            },
          }),
        },
      ]),
    });
    const sessionId = await createSession(server);
    const { message } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'run in background' })).body!,
    );
    const texts = (message?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : []));
    expect(texts.join('\n')).toContain('The background agent reported 42.');

    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(JSON.stringify(detail.messages)).toContain('The background agent reported 42.');
    expect(detail.activeTurn).toBeNull();
    expect(detail.usage.outputTokens).toBeGreaterThanOrEqual(500);
    expect(detail.usage.costUsd).toBeGreaterThan(0);
  });

  test('the CLI writes only inside the session’s folders and talks only to the configured base URL', async () => {
    server = await startTestServer({ runtime: 'claude', brain: conversationBrain });
    const tmpBefore = new Set(await readdir('/tmp'));
    const sessionId = await createSession(server);
    await turn(sessionId, 'save a file');
    const created = (await readdir('/tmp')).filter(
      (name) => !tmpBefore.has(name) && !name.startsWith('autopilot-'),
    );
    expect(created.filter((name) => name.startsWith('claude') || name.startsWith('cc-'))).toEqual([]);
    const privateRoot = join(server.dataDir, 'claude', toPathKey(sessionId));
    expect((await readdir(privateRoot)).sort()).toEqual(['config', 'home', 'tmp']);
    expect(await readdir(join(privateRoot, 'config', 'projects'))).toHaveLength(1);
    expect(server.fake.otherRequests).toEqual([]);
    for (const request of server.fake.requests) expect(request.path).toMatch(/^\/v1\/messages$/);
  });
});
