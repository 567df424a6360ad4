import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getGlobalDispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  errorReply,
  type FakeModelServer,
  type FakeReply,
  type FakeRequest,
  scriptedBrain,
  startFakeAnthropicServer,
  textReply,
  toolReply,
} from '../../../test/support/fake-model/index.ts';
import type { SubagentConfig } from '../../config/config.ts';
import { createDefaultTools } from '../../tools/default-tools.ts';
import { ToolExecutor } from '../../tools/tool-executor.ts';
import { readDiskRoom } from '../../util/disk-floor.ts';
import { createLogger } from '../../util/logger.ts';
import type { AgentEvent } from '../agent-runtime.ts';
import { BaselineRuntime } from './baseline-runtime.ts';

const writer: SubagentConfig = {
  description: 'Writes files.',
  prompt: 'You are a sub-agent that only writes files.',
  tools: ['write_file'],
};
const isSubagent = (request: FakeRequest) => request.system.includes('You are a sub-agent');
const requests: FakeRequest[] = [];
let fake: FakeModelServer | undefined;
let workspaceDir = '';

beforeEach(async () => {
  workspaceDir = await mkdtemp(join(tmpdir(), 'autopilot-agent-tool-'));
  requests.length = 0;
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await rm(workspaceDir, { recursive: true, force: true });
});

async function runTurn(options: {
  rules: Parameters<typeof scriptedBrain>[0];
  maxSubagents?: number;
  allowSubagents?: boolean;
  controller?: AbortController;
  minFreeDiskBytes?: number;
}): Promise<AgentEvent[]> {
  const brain = scriptedBrain(options.rules);
  fake = await startFakeAnthropicServer({
    brain: (request) => {
      requests.push(request);
      return brain(request);
    },
  });
  const runtime = new BaselineRuntime({
    model: { provider: 'anthropic', apiKey: 'k', baseUrl: fake.url, model: 'claude-sonnet-4-5' },
    dispatcher: getGlobalDispatcher(),
    maxSteps: 5,
    subagents: { writer },
    maxSubagents: options.maxSubagents ?? 2,
  });
  const signal = (options.controller ?? new AbortController()).signal;
  const logger = createLogger({ level: 'silent' });
  const tools = new ToolExecutor({
    tools: createDefaultTools(),
    context: {
      sessionId: 's',
      turnId: 't',
      workspaceDir,
      signal,
      logger,
      minFreeDiskBytes: options.minFreeDiskBytes,
    },
  });
  const events: AgentEvent[] = [];
  for await (const event of runtime.run({
    sessionId: 's',
    turnId: 't',
    prompt: 'delegate',
    images: [],
    history: [],
    transcript: null,
    workspaceDir,
    tools,
    allowSubagents: options.allowSubagents,
    signal,
    logger,
  })) {
    events.push(event);
  }
  return events;
}

const delegate = (count: number): FakeReply => ({
  kind: 'message',
  blocks: Array.from({ length: count }, (_, index) => ({
    type: 'tool_use' as const,
    name: 'Agent',
    input: { description: `Write note ${index}`, prompt: `Write note ${index}.` },
  })),
});
const agentResults = (events: AgentEvent[]) =>
  events.filter(
    (event): event is Extract<AgentEvent, { type: 'tool-result' }> => event.type === 'tool-result',
  );

describe('the baseline Agent tool', () => {
  test('runs a sub-agent with its narrower tools; its report, progress and usage reach the turn', async () => {
    const events = await runTurn({
      rules: [
        { when: (r) => isSubagent(r) && r.toolResults.length > 0, reply: textReply('Wrote the note.') },
        {
          when: isSubagent,
          reply: toolReply({ name: 'write_file', input: { path: 'note.md', content: 'hello' } }),
        },
        {
          when: (r) => r.toolResults.some((result) => result.content === 'Wrote the note.'),
          reply: textReply('Done.'),
        },
        { when: () => true, reply: delegate(1) },
      ],
    });

    expect(await readFile(join(workspaceDir, 'note.md'), 'utf8')).toBe('hello');
    const call = events.find((event) => event.type === 'tool-call' && event.toolName === 'Agent');
    const callId = call?.type === 'tool-call' ? call.toolCallId : '';
    const result = agentResults(events).find((event) => event.toolCallId === callId);
    expect(result).toMatchObject({ output: 'Wrote the note.', isError: false });
    // The progress sits between the call and its result, keyed by the Agent call.
    const progress = events.findIndex((event) => event.type === 'subagent-progress');
    expect(events[progress]).toEqual({
      type: 'subagent-progress',
      toolCallId: callId,
      toolName: 'write_file',
      summary: 'note.md',
    });
    expect(progress).toBeGreaterThan(events.indexOf(call!));
    expect(progress).toBeLessThan(events.indexOf(result!));
    // Every model call is charged: two of the parent's, two of the sub-agent's.
    expect(events.filter((event) => event.type === 'usage')).toHaveLength(4);
    // The sub-agent is offered only its own tools: no Agent, nothing its definition leaves out.
    expect(requests.filter(isSubagent).map((r) => r.toolNames)).toEqual([['write_file'], ['write_file']]);
    expect(requests.find((r) => !isSubagent(r))?.toolNames).toContain('Agent');
  });

  test('a tool outside the sub-agent’s set is refused, and so is a nested Agent call', async () => {
    await runTurn({
      rules: [
        { when: (r) => isSubagent(r) && r.toolResults.length > 0, reply: textReply('Could not.') },
        {
          when: isSubagent,
          reply: {
            kind: 'message',
            blocks: [
              { type: 'tool_use', name: 'write_file', input: { path: 'x.md', content: 'x' } },
              { type: 'tool_use', name: 'list_files', input: {} },
              { type: 'tool_use', name: 'Agent', input: { description: 'again', prompt: 'again' } },
            ],
          },
        },
        { when: (r) => r.toolResults.length > 0, reply: textReply('Done.') },
        { when: () => true, reply: delegate(1) },
      ],
    });
    const answered = requests.find((r) => isSubagent(r) && r.toolResults.length > 0);
    expect(answered?.toolResults.map((result) => [result.isError, result.content])).toEqual([
      [false, expect.any(String)],
      [true, expect.stringContaining('Tool "list_files" is not available here')],
      [true, expect.stringContaining('Tool "Agent" is not available here')],
    ]);
  });

  test('more sub-agents at once than maxSubagents: the extra call is refused with the reason', async () => {
    const events = await runTurn({
      maxSubagents: 1,
      rules: [
        { when: isSubagent, reply: textReply('Nothing to do.') },
        { when: (r) => r.toolResults.length > 0, reply: textReply('Done.') },
        { when: () => true, reply: delegate(2) },
      ],
    });
    const outputs = agentResults(events).map((event) => [event.isError, event.output]);
    expect(outputs).toEqual([
      [false, 'Nothing to do.'],
      [true, expect.stringContaining('At most 1 sub-agent may run at once')],
    ]);
    expect(requests.filter(isSubagent)).toHaveLength(1);
  });

  test('not offered when the session’s permissions take the sub-agent tool away', async () => {
    await runTurn({ allowSubagents: false, rules: [{ when: () => true, reply: textReply('Hi.') }] });
    expect(requests[0]?.toolNames).not.toContain('Agent');
    expect(requests[0]?.toolNames).toContain('write_file');
  });

  test('a model failure inside ends only the sub-agent: the parent reads it as the tool’s error', async () => {
    const events = await runTurn({
      rules: [
        {
          when: isSubagent,
          reply: errorReply({ status: 400, errorType: 'invalid_request_error', message: 'bad request' }),
        },
        { when: (r) => r.toolResults.length > 0, reply: textReply('The helper failed.') },
        { when: () => true, reply: delegate(1) },
      ],
    });
    expect(agentResults(events)).toEqual([
      expect.objectContaining({ isError: true, output: expect.stringContaining('The sub-agent failed') }),
    ]);
    expect(JSON.stringify(events)).not.toContain(fake!.url);
    expect(events.some((event) => event.type === 'text-delta' && event.delta === 'The helper failed.')).toBe(
      true,
    );
  });

  test('a stop reaches the sub-agent: its loop ends, nothing more is asked, the call says stopped', async () => {
    const controller = new AbortController();
    const events = await runTurn({
      controller,
      rules: [
        {
          when: isSubagent,
          reply: () => {
            controller.abort();
            return toolReply({ name: 'write_file', input: { path: 'late.md', content: 'late' } });
          },
        },
        { when: () => true, reply: delegate(1) },
      ],
    });
    expect(agentResults(events)).toEqual([
      expect.objectContaining({ isError: true, output: 'The sub-agent was stopped.' }),
    ]);
    expect(requests.filter(isSubagent)).toHaveLength(1);
    expect(requests.filter((r) => !isSubagent(r))).toHaveLength(1);
  });

  test('a report too long for the model is saved in the workspace, unless the disk is below the turn’s floor', async () => {
    const report = `${'The sub-agent found this. '.repeat(12_000)}The end.`;
    const rules: Parameters<typeof scriptedBrain>[0] = [
      { when: isSubagent, reply: textReply(report) },
      { when: (r) => r.toolResults.length > 0, reply: textReply('Read it.') },
      { when: () => true, reply: delegate(1) },
    ];
    const saved = join(workspaceDir, '.autopilot', 'tool-outputs');
    const free = (await readDiskRoom(workspaceDir)).bytes;

    // Far above what the disk has free: the report is not saved, and the parent reads a preview.
    await runTurn({ rules, minFreeDiskBytes: free + 1024 ** 3 });
    await expect(readdir(saved)).rejects.toMatchObject({ code: 'ENOENT' });
    const preview = requests.filter((r) => !isSubagent(r)).at(-1)?.toolResults[0]?.content ?? '';
    expect(preview).toContain('The sub-agent found this.');
    expect(preview).toContain('The end.');
    expect(preview.length).toBeLessThan(report.length);

    await fake?.close();
    await runTurn({ rules, minFreeDiskBytes: 0 });
    const files = await readdir(saved);
    expect(files).toHaveLength(1);
    expect(await readFile(join(saved, files[0]!), 'utf8')).toBe(report);
  });
});
