import type {
  HookCallbackMatcher,
  HookEvent,
  HookInput,
  HookJSONOutput,
} from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, test } from 'vitest';
import { createDefaultTools } from '../../tools/default-tools.ts';
import { ToolExecutor } from '../../tools/tool-executor.ts';
import { createLogger } from '../../util/logger.ts';
import { createClaudeHooks, SubagentTracker } from './claude-hooks.ts';
import { policyToolNames } from './claude-tools.ts';
import { ToolOutputStash } from './tool-output-stash.ts';
import { TurnBinding } from './turn-binding.ts';

const readFile = 'mcp__autopilot__read_file';

/** A binding with a turn bound the way `runClaudeTurn` binds one. */
function createBoundHooks(
  options: { maxSubagents?: number; takeFollowUps?: () => Promise<string[]>; bind?: boolean } = {},
) {
  const maxSubagents = options.maxSubagents ?? 1;
  const logger = createLogger({ level: 'silent' });
  const tools = createDefaultTools();
  const binding = new TurnBinding();
  if (options.bind !== false) {
    binding.bind({
      tools: new ToolExecutor({
        tools,
        context: {
          sessionId: 'session-1',
          turnId: 'turn-1',
          workspaceDir: '/nonexistent',
          signal: new AbortController().signal,
          logger,
        },
      }),
      policy: { ...policyToolNames({ tools, maxSubagents }), maxSubagents },
      subagents: new SubagentTracker(),
      stash: new ToolOutputStash(),
      logger,
      takeFollowUps: options.takeFollowUps,
    });
  }
  const { hooks, canUseTool } = createClaudeHooks(binding);

  const call = async (
    event: HookEvent,
    input: Record<string, unknown>,
    toolUseId?: string,
  ): Promise<HookJSONOutput> => {
    const matchers: HookCallbackMatcher[] = hooks[event] ?? [];
    const outputs: HookJSONOutput[] = [];
    for (const matcher of matchers) {
      for (const hook of matcher.hooks) {
        outputs.push(
          await hook({ hook_event_name: event, ...input } as unknown as HookInput, toolUseId, {
            signal: new AbortController().signal,
          }),
        );
      }
    }
    expect(outputs).toHaveLength(1);
    return outputs[0]!;
  };
  const preToolUse = (toolName: string, toolUseId: string, extra: Record<string, unknown> = {}) =>
    call('PreToolUse', { tool_name: toolName, tool_input: {}, tool_use_id: toolUseId, ...extra }, toolUseId);
  const askPermission = (toolName: string) =>
    canUseTool(toolName, {}, {
      signal: new AbortController().signal,
      toolUseID: 'toolu_permission',
      requestId: 'request-1',
    } as Parameters<typeof canUseTool>[2]);

  return { binding, call, preToolUse, askPermission };
}

function deniedReason(output: HookJSONOutput): string | undefined {
  if (!('hookSpecificOutput' in output)) return undefined;
  const specific = output.hookSpecificOutput;
  if (specific?.hookEventName !== 'PreToolUse' || specific.permissionDecision !== 'deny') return undefined;
  return specific.permissionDecisionReason;
}

describe('createClaudeHooks PreToolUse', () => {
  test.each([
    'Bash',
    'Write',
    'WebFetch',
    'ScheduleWakeup',
    'CronCreate',
    'Workflow',
    'SomeFutureBuiltIn',
    'mcp__other_server__read_file',
  ])('%s is denied with a reason', async (toolName) => {
    const { preToolUse } = createBoundHooks();

    const output = await preToolUse(toolName, 'toolu_1');

    expect(output).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringContaining(toolName),
      },
    });
  });

  test('our own tools are allowed', async () => {
    const { preToolUse } = createBoundHooks();

    expect(deniedReason(await preToolUse(readFile, 'toolu_1'))).toBeUndefined();
    expect(await preToolUse(readFile, 'toolu_2')).toEqual({});
  });

  test('with no turn bound every tool is denied, ours included', async () => {
    const { preToolUse, askPermission } = createBoundHooks({ bind: false });

    expect(deniedReason(await preToolUse(readFile, 'toolu_1'))).toMatch(/No turn is running/);
    expect(deniedReason(await preToolUse('Agent', 'toolu_2'))).toMatch(/No turn is running/);
    expect(await askPermission(readFile)).toEqual({
      behavior: 'deny',
      message: expect.stringMatching(/No turn/),
    });
  });

  test('a turn that was unbound denies again', async () => {
    const { binding, preToolUse } = createBoundHooks();
    expect(deniedReason(await preToolUse(readFile, 'toolu_1'))).toBeUndefined();

    binding.unbind();

    expect(deniedReason(await preToolUse(readFile, 'toolu_2'))).toMatch(/No turn is running/);
  });

  test('a tool call inside a sub-agent passes the same policy', async () => {
    const { preToolUse } = createBoundHooks();
    const insideSubagent = { agent_id: 'agent-1', agent_type: 'general-purpose' };

    expect(deniedReason(await preToolUse('Bash', 'toolu_1', insideSubagent))).toContain('Bash');
    expect(deniedReason(await preToolUse('WebFetch', 'toolu_2', insideSubagent))).toContain('WebFetch');
    expect(deniedReason(await preToolUse(readFile, 'toolu_3', insideSubagent))).toBeUndefined();
  });
});

describe('createClaudeHooks sub-agent cap', () => {
  test('with maxSubagents 1 a second launch is denied until the first sub-agent stops', async () => {
    const { call, preToolUse } = createBoundHooks({ maxSubagents: 1 });

    expect(deniedReason(await preToolUse('Agent', 'toolu_first'))).toBeUndefined();
    // Parallel launch in the same message, before the first has even started.
    expect(deniedReason(await preToolUse('Agent', 'toolu_second'))).toContain('At most 1 sub-agent');

    await call('SubagentStart', { agent_id: 'agent-1', agent_type: 'general-purpose' });
    expect(deniedReason(await preToolUse('Task', 'toolu_third'))).toContain('At most 1 sub-agent');

    await call('SubagentStop', {
      agent_id: 'agent-1',
      agent_type: 'general-purpose',
      stop_hook_active: false,
    });
    expect(deniedReason(await preToolUse('Agent', 'toolu_fourth'))).toBeUndefined();
  });

  test('a launch that fails before starting releases its reservation', async () => {
    const { call, preToolUse } = createBoundHooks({ maxSubagents: 1 });
    expect(deniedReason(await preToolUse('Agent', 'toolu_first'))).toBeUndefined();
    expect(deniedReason(await preToolUse('Agent', 'toolu_second'))).toContain('At most 1 sub-agent');

    await call(
      'PostToolUseFailure',
      { tool_name: 'Agent', tool_input: {}, tool_use_id: 'toolu_first', error: 'invalid input' },
      'toolu_first',
    );

    expect(deniedReason(await preToolUse('Agent', 'toolu_third'))).toBeUndefined();
  });

  test('a failing ordinary tool releases nothing', async () => {
    const { call, preToolUse } = createBoundHooks({ maxSubagents: 1 });
    expect(deniedReason(await preToolUse('Agent', 'toolu_agent'))).toBeUndefined();

    await call(
      'PostToolUseFailure',
      { tool_name: readFile, tool_input: {}, tool_use_id: 'toolu_read', error: 'boom' },
      'toolu_read',
    );

    expect(deniedReason(await preToolUse('Agent', 'toolu_second'))).toContain('At most 1 sub-agent');
  });

  test('with maxSubagents 0 sub-agent tools are not available at all', async () => {
    const { preToolUse } = createBoundHooks({ maxSubagents: 0 });

    expect(deniedReason(await preToolUse('Agent', 'toolu_1'))).toContain('not available');
    expect(deniedReason(await preToolUse('Task', 'toolu_2'))).toContain('not available');
  });
});

describe('createClaudeHooks canUseTool', () => {
  test.each(['Bash', 'Write', 'WebFetch', 'CronCreate', 'SomeFutureBuiltIn'])(
    'denies %s with the policy reason',
    async (toolName) => {
      const { askPermission } = createBoundHooks();

      expect(await askPermission(toolName)).toEqual({
        behavior: 'deny',
        message: expect.stringContaining(toolName),
      });
    },
  );

  test('allows our tools, passing the input through', async () => {
    const { binding } = createBoundHooks();
    const { canUseTool } = createClaudeHooks(binding);
    const input = { path: 'notes.md' };

    expect(
      await canUseTool(readFile, input, {
        signal: new AbortController().signal,
        toolUseID: 'toolu_1',
        requestId: 'request-1',
      } as Parameters<typeof canUseTool>[2]),
    ).toEqual({ behavior: 'allow', updatedInput: input });
  });
});

describe('createClaudeHooks PostToolUse follow-ups', () => {
  const postToolUse = (input: Record<string, unknown> = {}) => ({
    tool_name: readFile,
    tool_input: {},
    tool_response: 'ok',
    tool_use_id: 'toolu_1',
    ...input,
  });

  test('messages the user sent meanwhile ride along with the tool result', async () => {
    const waiting = ['Also check the tests.', 'And the docs.'];
    const { call } = createBoundHooks({ takeFollowUps: async () => waiting.splice(0) });

    const output = await call('PostToolUse', postToolUse(), 'toolu_1');

    expect(output).toEqual({
      hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: expect.any(String) },
    });
    const context = (output as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput
      .additionalContext;
    expect(context).toContain('Also check the tests.');
    expect(context).toContain('And the docs.');
    expect(context.indexOf('Also check the tests.')).toBeLessThan(context.indexOf('And the docs.'));
    // Taken once: the next tool result carries nothing.
    expect(await call('PostToolUse', postToolUse({ tool_use_id: 'toolu_2' }), 'toolu_2')).toEqual({});
  });

  test('no follow-ups, no added context', async () => {
    const { call } = createBoundHooks({ takeFollowUps: async () => [] });

    expect(await call('PostToolUse', postToolUse(), 'toolu_1')).toEqual({});
  });

  test("a sub-agent's tool result neither carries nor consumes follow-ups", async () => {
    const waiting = ['For the main conversation.'];
    let takes = 0;
    const { call } = createBoundHooks({
      takeFollowUps: async () => {
        takes++;
        return waiting.splice(0);
      },
    });

    expect(await call('PostToolUse', postToolUse({ agent_id: 'agent-1' }), 'toolu_1')).toEqual({});
    expect(takes).toBe(0);
    expect(waiting).toEqual(['For the main conversation.']);

    const output = await call('PostToolUse', postToolUse({ tool_use_id: 'toolu_2' }), 'toolu_2');
    expect(JSON.stringify(output)).toContain('For the main conversation.');
  });
});
