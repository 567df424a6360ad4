import { join } from 'node:path';
import type { UIMessage } from 'ai';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createGate, type Gate } from '../support/gate-tool.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const isSubagent = (request: FakeRequest) => request.system.includes('You are a sub-agent');
const answered = (request: FakeRequest, text: string) =>
  request.toolResults.some((result) => result.content.includes(text));

const progressParts = (message: UIMessage | undefined) =>
  message?.parts.filter((part) => part.type === 'data-agent-progress') ?? [];

describe('a running sub-agent shows its latest tool call (claude runtime)', () => {
  let server: TestServer;
  let gate: Gate;
  afterEach(async () => server?.close());

  test('streamed keyed by the Agent call, replaced in place, replayed exactly, never stored, no server paths', async () => {
    gate = createGate();
    let workspace = '';
    server = await startTestServer({
      runtime: 'claude',
      extraTools: () => [gate.tool],
      brain: scriptedBrain([
        {
          when: (r) => isSubagent(r) && answered(r, 'gate opened'),
          reply: textReply('Sub-agent report: checked.'),
        },
        {
          when: (r) => isSubagent(r) && r.toolResults.length > 0,
          reply: toolReply({ name: 'gate', input: { description: 'wait for the signal' } }),
        },
        {
          when: isSubagent,
          reply: () =>
            toolReply({
              name: 'bash_exec',
              input: { command: `cat ${workspace}/notes.md ${server.dataDir}/autopilot.db` },
            }),
        },
        { when: (r) => answered(r, 'Sub-agent report'), reply: textReply('All checked.') },
        {
          when: () => true,
          reply: toolReply({
            name: 'Agent',
            input: {
              description: 'Check the notes',
              prompt: 'Check the notes.',
              subagent_type: 'worker',
              run_in_background: false,
            },
          }),
        },
      ]),
    });
    const sessionId = await createSession(server);
    workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));

    const live = parseUIStream((await sendMessage(server, { sessionId, text: 'check the notes' })).body!);
    await gate.reached;
    // Mid-turn: a resume replays the turn from its first event; the stored history has no progress.
    const resumed = await server.api(`/api/sessions/${sessionId}/stream`);
    const detail = (await (await server.api(`/api/sessions/${sessionId}`)).json()) as {
      messages: UIMessage[];
    };
    expect(detail.messages.flatMap(progressParts)).toEqual([]);
    gate.open();
    const [first, replay] = await Promise.all([live, parseUIStream(resumed.body!)]);

    for (const { chunks, message, errors } of [first, replay]) {
      expect(errors).toEqual([]);
      const agentCall = message?.parts.find(
        (part) => part.type === 'tool-Agent' || part.type === 'dynamic-tool',
      );
      const agentCallId = agentCall && 'toolCallId' in agentCall ? agentCall.toolCallId : '';
      expect(agentCallId).not.toBe('');
      const progress = chunks.filter((chunk) => chunk.type === 'data-agent-progress');
      expect(progress.map((chunk) => ('data' in chunk ? chunk.data : null))).toEqual([
        { toolName: 'bash_exec', summary: 'cat notes.md <server path>' },
        { toolName: 'gate', summary: 'wait for the signal' },
      ]);
      expect(progress.every((chunk) => 'id' in chunk && chunk.id === agentCallId)).toBe(true);
      // Replaced in place: one part, holding the latest call.
      expect(progressParts(message)).toEqual([
        {
          type: 'data-agent-progress',
          id: agentCallId,
          data: { toolName: 'gate', summary: 'wait for the signal' },
        },
      ]);
      expect(JSON.stringify(chunks)).not.toContain(server.dataDir);
      expect(message?.parts.some((part) => part.type === 'text' && part.text === 'All checked.')).toBe(true);
    }

    const after = (await (await server.api(`/api/sessions/${sessionId}`)).json()) as {
      messages: UIMessage[];
    };
    expect(after.messages.flatMap(progressParts)).toEqual([]);
    expect(JSON.stringify(after.messages)).toContain('All checked.');
  }, 90_000);
});
