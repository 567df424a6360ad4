import { describe, expect, test } from 'vitest';
import { stoppedToolOutput } from '../../../src/protocol/index.ts';
import type { ChatPart } from './chat-types.ts';
import { toSegments } from './segments.ts';
import { describeTool } from './tool-describe.ts';

const agentCall = (state: 'input-available' | 'output-available'): ChatPart =>
  ({
    type: 'dynamic-tool',
    toolName: 'Agent',
    toolCallId: 'call-1',
    state,
    input: { description: 'Run the tests' },
    ...(state === 'output-available' ? { output: 'done' } : {}),
  }) as ChatPart;
const progress: ChatPart = {
  type: 'data-agent-progress',
  id: 'call-1',
  data: { toolName: 'mcp__autopilot__bash_exec', summary: 'npm test' },
};

describe('agent progress in segments', () => {
  test('a running agent call carries the progress keyed by its id; the part itself shows nothing', () => {
    const segments = toSegments([agentCall('input-available'), progress]);
    expect(segments).toHaveLength(1);
    expect(segments[0]).toMatchObject({
      kind: 'tool',
      tool: { progress: { toolName: 'mcp__autopilot__bash_exec', summary: 'npm test' } },
    });
  });

  test('a finished agent call drops it', () => {
    const [segment] = toSegments([agentCall('output-available'), progress]);
    expect(segment?.kind === 'tool' ? segment.tool.progress : 'not a tool row').toBeUndefined();
  });
});

describe('a tool call cut short by Stop', () => {
  test('reads as stopped, not failed', () => {
    const [segment] = toSegments([
      {
        type: 'dynamic-tool',
        toolName: 'bash_exec',
        toolCallId: 'call-2',
        state: 'output-error',
        input: { command: 'npm test' },
        errorText: stoppedToolOutput,
      } as ChatPart,
    ]);
    const tool = segment?.kind === 'tool' ? segment.tool : null;
    expect(tool?.state).toBe('stopped');
    expect(tool && describeTool(tool).summary).toBe('Running: npm test — stopped');
  });

  test('an agent row says the agent stopped, never that it runs', () => {
    const call = { toolName: 'Agent', input: { description: 'Run the tests' }, output: undefined };
    expect(describeTool({ ...call, state: 'stopped' }).summary).toBe('Agent stopped: Run the tests');
  });
});
