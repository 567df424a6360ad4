import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Usage } from '../../src/protocol/index.ts';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const isSubagent = (request: FakeRequest) => request.system.includes('You are a sub-agent');
const isTitleCall = (request: FakeRequest) => request.system.includes('Generate a very short title');
const parentUsage = { inputTokens: 100, outputTokens: 10 };
const subagentUsage = { inputTokens: 1000, outputTokens: 50 };

describe.each(['anthropic', 'openai-compatible'] as const)(
  'sub-agents on the baseline runtime (%s)',
  (provider) => {
    let server: TestServer;
    afterEach(async () => server?.close());

    test('the Agent row ends with the sub-agent’s report; its file, refusal and usage are real', async () => {
      server = await startTestServer({
        provider,
        runtime: 'baseline',
        env: {
          AUTOPILOT_SUBAGENTS: JSON.stringify({
            scribe: {
              description: 'Writes notes.',
              prompt: 'You are a sub-agent that writes notes.',
              tools: ['write_file'],
            },
          }),
        },
        brain: scriptedBrain([
          { when: isTitleCall, reply: textReply('Notes') },
          {
            when: (r) => isSubagent(r) && r.toolResults.length > 0,
            // The report quotes what its tools answered, so a refusal reaches the parent.
            reply: (request) =>
              textReply(
                `Scribe report: ${request.toolResults.map((result) => result.content).join(' | ')}`,
                subagentUsage,
              ),
          },
          {
            when: isSubagent,
            reply: {
              kind: 'message',
              blocks: [
                {
                  type: 'tool_use',
                  name: 'write_file',
                  input: { path: 'notes.md', content: 'from the scribe' },
                },
                { type: 'tool_use', name: 'bash_exec', input: { command: 'cat notes.md' } },
              ],
              usage: subagentUsage,
            },
          },
          { when: (r) => r.toolResults.length > 0, reply: textReply('All written.', parentUsage) },
          {
            when: () => true,
            reply: toolReply({
              name: 'Agent',
              input: { description: 'Write the notes', prompt: 'Write notes.md.', subagent_type: 'scribe' },
              usage: parentUsage,
            }),
          },
        ]),
      });
      const sessionId = await createSession(server);
      const { message, chunks, errors } = await parseUIStream(
        (await sendMessage(server, { sessionId, text: 'write the notes' })).body!,
      );

      expect(errors).toEqual([]);
      const agentRow = message?.parts.find((part) => part.type === 'tool-Agent');
      expect(agentRow).toMatchObject({
        state: 'output-available',
        input: { description: 'Write the notes' },
        output: expect.stringContaining('Scribe report'),
      });
      const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
      expect(await readFile(join(workspace, 'notes.md'), 'utf8')).toBe('from the scribe');
      // The sub-agent's second call was outside its set: refused, and its report says so.
      const report = agentRow && 'output' in agentRow ? String(agentRow.output) : '';
      expect(report).toContain('Tool "bash_exec" is not available here');
      const progress = chunks.filter((chunk) => chunk.type === 'data-agent-progress');
      expect(progress.map((chunk) => ('data' in chunk ? chunk.data : null))).toContainEqual({
        toolName: 'write_file',
        summary: 'notes.md',
      });

      // Two parent calls and two sub-agent calls, in the turn's metadata and the owner's usage.
      const metadata = chunks.find((chunk) => chunk.type === 'message-metadata');
      const usage = (metadata as { messageMetadata: { usage: Usage } }).messageMetadata.usage;
      expect(usage).toMatchObject({ inputTokens: 2200, outputTokens: 120 });
      const owner = (await (await server.api('/api/usage')).json()) as { today: Usage };
      expect(owner.today.inputTokens).toBeGreaterThanOrEqual(2200);
    }, 60_000);

    test('a breaker that ends the turn stops its sub-agent: nothing is written after the turn', async () => {
      let subagentCalls = 0;
      server = await startTestServer({
        provider,
        runtime: 'baseline',
        brain: scriptedBrain([
          { when: isTitleCall, reply: textReply('Notes') },
          {
            when: isSubagent,
            reply: () => {
              subagentCalls += 1;
              // Still thinking when the turn ends; then it asks to write a file.
              return {
                kind: 'message',
                blocks: [
                  { type: 'tool_use', name: 'write_file', input: { path: 'late.txt', content: 'late' } },
                ],
                answerDelayMs: 1_000,
              };
            },
          },
          {
            when: (r) => r.toolResults.length === 0,
            // One step: a sub-agent, and five calls with empty arguments that trip the breaker.
            reply: {
              kind: 'message',
              blocks: [
                {
                  type: 'tool_use',
                  name: 'Agent',
                  input: { description: 'Slow helper', prompt: 'Write late.txt.' },
                },
                ...Array.from({ length: 5 }, () => ({
                  type: 'tool_use' as const,
                  name: 'write_file',
                  input: {},
                })),
              ],
            },
          },
          { when: () => true, reply: textReply('done') },
        ]),
      });
      const sessionId = await createSession(server);
      const { chunks } = await parseUIStream((await sendMessage(server, { sessionId, text: 'go' })).body!);
      expect(chunks.find((chunk) => chunk.type === 'data-error')).toMatchObject({
        data: { code: 'circuit_breaker_empty_tool_calls' },
      });

      // Longer than the sub-agent's model takes to answer.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
      await expect(readFile(join(workspace, 'late.txt'), 'utf8')).rejects.toThrow();
      expect(subagentCalls).toBeLessThanOrEqual(1);
      const stored = (await (await server.api(`/api/sessions/${sessionId}`)).json()) as {
        status: string;
        messages: { parts: { type: string; state?: string }[] }[];
      };
      expect(stored.status).toBe('idle');
      // The Agent call has its end, like every other call of the turn.
      const agentRow = stored.messages.at(-1)?.parts.find((part) => part.type === 'tool-Agent');
      expect(agentRow?.state).toBe('output-error');
    }, 30_000);
  },
);
