import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { describe, expect, test } from 'vitest';
import type { AgentEvent } from '../agent-runtime.ts';
import { noFinalTextNote, SdkMessageAdapter } from './sdk-message-adapter.ts';
import { ToolOutputStash } from './tool-output-stash.ts';

// Minimal SDK messages: only the fields the adapter reads.
function streamEvent(event: unknown, parentToolUseId: string | null = null): SDKMessage {
  return {
    type: 'stream_event',
    event,
    parent_tool_use_id: parentToolUseId,
    uuid: 'uuid',
    session_id: 'cli',
  } as unknown as SDKMessage;
}

function assistant(content: unknown[], parentToolUseId: string | null = null): SDKMessage {
  return {
    type: 'assistant',
    message: { role: 'assistant', content },
    parent_tool_use_id: parentToolUseId,
    uuid: 'uuid',
    session_id: 'cli',
  } as unknown as SDKMessage;
}

function user(
  content: unknown,
  options: { parentToolUseId?: string | null; toolUseResult?: unknown } = {},
): SDKMessage {
  return {
    type: 'user',
    message: { role: 'user', content },
    parent_tool_use_id: options.parentToolUseId ?? null,
    tool_use_result: options.toolUseResult,
    session_id: 'cli',
  } as unknown as SDKMessage;
}

const messageStart = () => streamEvent({ type: 'message_start', message: {} });
const blockStart = (index: number, block: unknown, parent: string | null = null) =>
  streamEvent({ type: 'content_block_start', index, content_block: block }, parent);
const textDelta = (index: number, text: string, parent: string | null = null) =>
  streamEvent({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }, parent);
const thinkingDelta = (index: number, thinking: string) =>
  streamEvent({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } });
const blockStop = (index: number) => streamEvent({ type: 'content_block_stop', index });

const toolUse = (id: string, name: string, input: unknown = {}) => ({ type: 'tool_use', id, name, input });
const toolResult = (toolUseId: string, content: unknown, isError = false) => ({
  type: 'tool_result',
  tool_use_id: toolUseId,
  content,
  is_error: isError,
});

function createAdapter(): { adapter: SdkMessageAdapter; stash: ToolOutputStash } {
  const stash = new ToolOutputStash();
  return { adapter: new SdkMessageAdapter({ stash, workspaceRoots: ['/srv/ws'] }), stash };
}

function convertAll(adapter: SdkMessageAdapter, messages: SDKMessage[]): AgentEvent[] {
  return messages.flatMap((message) => adapter.convert(message));
}

/** Streams one text block at `index` of the current message. */
function streamedText(index: number, text: string): SDKMessage[] {
  return [blockStart(index, { type: 'text', text: '' }), textDelta(index, text), blockStop(index)];
}

describe('SdkMessageAdapter streaming', () => {
  test('partial messages become a step with reasoning and text blocks, each with one stable id', () => {
    const { adapter } = createAdapter();

    const events = convertAll(adapter, [
      messageStart(),
      blockStart(0, { type: 'thinking', thinking: '' }),
      thinkingDelta(0, 'Let me think.'),
      blockStop(0),
      blockStart(1, { type: 'text', text: '' }),
      textDelta(1, 'Hello'),
      textDelta(1, ', world'),
      blockStop(1),
    ]);

    expect(events).toEqual([
      { type: 'step-start' },
      { type: 'reasoning-start', id: expect.any(String) },
      { type: 'reasoning-delta', id: expect.any(String), delta: 'Let me think.' },
      { type: 'reasoning-end', id: expect.any(String) },
      { type: 'text-start', id: expect.any(String) },
      { type: 'text-delta', id: expect.any(String), delta: 'Hello' },
      { type: 'text-delta', id: expect.any(String), delta: ', world' },
      { type: 'text-end', id: expect.any(String) },
    ]);
    const ids = events.map((event) => ('id' in event ? event.id : null));
    const reasoningId = ids[1];
    const textId = ids[4];
    expect(ids.slice(1, 4)).toEqual([reasoningId, reasoningId, reasoningId]);
    expect(ids.slice(4)).toEqual([textId, textId, textId, textId]);
    expect(textId).not.toBe(reasoningId);
  });

  test('the next model call reuses block indexes but gets new ids', () => {
    const { adapter } = createAdapter();
    const first = convertAll(adapter, [messageStart(), ...streamedText(0, 'one')]);
    const second = convertAll(adapter, [messageStart(), ...streamedText(0, 'two')]);

    const textIdOf = (events: AgentEvent[]) =>
      events.flatMap((event) => (event.type === 'text-start' ? [event.id] : []))[0];
    const firstId = textIdOf(first);
    const secondId = textIdOf(second);
    expect(second[0]).toEqual({ type: 'step-start' });
    expect(firstId).toEqual(expect.any(String));
    expect(secondId).toEqual(expect.any(String));
    expect(secondId).not.toBe(firstId);
    expect(second).toContainEqual({ type: 'text-delta', id: secondId, delta: 'two' });
  });

  test('a streamed tool_use block announces the tool under its short name', () => {
    const { adapter } = createAdapter();

    expect(adapter.convert(blockStart(0, toolUse('toolu_1', 'mcp__autopilot__read_file')))).toEqual([
      { type: 'tool-input-start', toolCallId: 'toolu_1', toolName: 'read_file' },
    ]);
  });
});

describe('SdkMessageAdapter tool calls and results', () => {
  test('tool_use blocks of an assistant message become tool calls; the MCP prefix is stripped', () => {
    const { adapter } = createAdapter();

    const events = adapter.convert(
      assistant([
        { type: 'text', text: 'Already streamed, not repeated.' },
        toolUse('toolu_1', 'mcp__autopilot__read_file', { path: 'notes.md' }),
        toolUse('toolu_2', 'Agent', { prompt: 'look around' }),
      ]),
    );

    expect(events).toEqual([
      { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'read_file', input: { path: 'notes.md' } },
      { type: 'tool-call', toolCallId: 'toolu_2', toolName: 'Agent', input: { prompt: 'look around' } },
    ]);
  });

  test('a tool result takes the full output from the stash, and empties it', () => {
    const { adapter, stash } = createAdapter();
    adapter.convert(assistant([toolUse('toolu_1', 'mcp__autopilot__read_file')]));
    const fullOutput = { path: 'notes.md', content: 'x'.repeat(200_000) };
    stash.put('toolu_1', { output: fullOutput, isError: false });

    const events = adapter.convert(
      user([toolResult('toolu_1', [{ type: 'text', text: 'shortened preview' }])]),
    );

    expect(events).toEqual([
      { type: 'tool-result', toolCallId: 'toolu_1', output: fullOutput, isError: false },
    ]);
    expect(stash.take('toolu_1')).toBeUndefined();
  });

  test("a stashed error keeps the stash's error flag", () => {
    const { adapter, stash } = createAdapter();
    adapter.convert(assistant([toolUse('toolu_1', 'mcp__autopilot__read_file')]));
    stash.put('toolu_1', { output: 'File not found: notes.md', isError: true });

    expect(adapter.convert(user([toolResult('toolu_1', 'File not found: notes.md', false)]))).toEqual([
      { type: 'tool-result', toolCallId: 'toolu_1', output: 'File not found: notes.md', isError: true },
    ]);
  });

  test('without a stashed output the result is the text the model saw', () => {
    const { adapter } = createAdapter();
    adapter.convert(assistant([toolUse('toolu_1', 'Agent'), toolUse('toolu_2', 'Agent')]));

    const events = adapter.convert(
      user([
        toolResult('toolu_1', [
          { type: 'text', text: 'The report, ' },
          { type: 'text', text: 'in two parts.' },
        ]),
        toolResult('toolu_2', '<tool_use_error>Sub-agent failed</tool_use_error>', true),
      ]),
    );

    expect(events).toEqual([
      { type: 'tool-result', toolCallId: 'toolu_1', output: 'The report, in two parts.', isError: false },
      { type: 'tool-result', toolCallId: 'toolu_2', output: 'Sub-agent failed', isError: true },
    ]);
  });

  test('two parallel calls to the same tool each get their own output, whatever the result order', () => {
    const { adapter, stash } = createAdapter();
    adapter.convert(
      assistant([
        toolUse('toolu_a', 'mcp__autopilot__read_file', { path: 'a.txt' }),
        toolUse('toolu_b', 'mcp__autopilot__read_file', { path: 'b.txt' }),
      ]),
    );
    // The tools finish in the opposite order of the calls.
    stash.put('toolu_b', { output: 'contents of b', isError: false });
    stash.put('toolu_a', { output: 'contents of a', isError: false });

    const events = convertAll(adapter, [
      user([toolResult('toolu_b', 'b (shortened)')]),
      user([toolResult('toolu_a', 'a (shortened)')]),
    ]);

    expect(events).toEqual([
      { type: 'tool-result', toolCallId: 'toolu_b', output: 'contents of b', isError: false },
      { type: 'tool-result', toolCallId: 'toolu_a', output: 'contents of a', isError: false },
    ]);
  });

  test('sub-agent traffic (parent_tool_use_id set) shows only as progress, and leaves the stash alone', () => {
    const { adapter, stash } = createAdapter();
    adapter.convert(assistant([toolUse('toolu_agent', 'Agent')]));
    stash.put('toolu_inner', { output: 'inner output', isError: false });

    const events = convertAll(adapter, [
      streamEvent({ type: 'message_start', message: {} }, 'toolu_agent'),
      blockStart(0, { type: 'text', text: '' }, 'toolu_agent'),
      textDelta(0, 'sub-agent thinking out loud', 'toolu_agent'),
      assistant([toolUse('toolu_inner', 'mcp__autopilot__read_file')], 'toolu_agent'),
      user([toolResult('toolu_inner', 'inner')], { parentToolUseId: 'toolu_agent' }),
    ]);

    expect(events).toEqual([
      { type: 'subagent-progress', toolCallId: 'toolu_agent', toolName: 'read_file', summary: '' },
    ]);
    expect(stash.take('toolu_inner')).toEqual({ output: 'inner output', isError: false });
    // Nothing the sub-agent did counts as a main-thread tool result.
    expect(adapter.finishResult()).toEqual([]);
  });
});

describe('SdkMessageAdapter.finishResult', () => {
  const closingText = (events: AgentEvent[]) =>
    events.filter((event) => event.type === 'text-delta').map((event) => event.delta);

  test('a turn that ends on a tool result gets the closing note as its own text block', () => {
    const { adapter } = createAdapter();
    convertAll(adapter, [
      messageStart(),
      ...streamedText(0, 'Let me read it.'),
      assistant([toolUse('toolu_1', 'Agent')]),
      user([toolResult('toolu_1', 'done')]),
    ]);

    const events = adapter.finishResult();

    expect(events).toEqual([
      { type: 'step-start' },
      { type: 'text-start', id: expect.any(String) },
      { type: 'text-delta', id: expect.any(String), delta: noFinalTextNote },
      { type: 'text-end', id: expect.any(String) },
    ]);
    const ids = new Set(events.flatMap((event) => ('id' in event ? [event.id] : [])));
    expect(ids.size).toBe(1);
    expect(noFinalTextNote).toBe('(Done: no further commentary.)');
    // Only once.
    expect(adapter.finishResult()).toEqual([]);
  });

  test('no note when text followed the last tool result', () => {
    const { adapter } = createAdapter();
    convertAll(adapter, [
      assistant([toolUse('toolu_1', 'Agent')]),
      user([toolResult('toolu_1', 'done')]),
      messageStart(),
      ...streamedText(0, 'Here is what I found.'),
    ]);

    expect(closingText(adapter.finishResult())).toEqual([]);
  });

  test('no note for a turn without tools', () => {
    const { adapter } = createAdapter();
    convertAll(adapter, [messageStart(), ...streamedText(0, 'Just an answer.')]);

    expect(adapter.finishResult()).toEqual([]);
  });

  test('a note again when a later tool result comes after the text', () => {
    const { adapter } = createAdapter();
    convertAll(adapter, [
      assistant([toolUse('toolu_1', 'Agent')]),
      user([toolResult('toolu_1', 'first')]),
      messageStart(),
      ...streamedText(0, 'One more look.'),
      assistant([toolUse('toolu_2', 'Agent')]),
      user([toolResult('toolu_2', 'second')]),
    ]);

    expect(closingText(adapter.finishResult())).toEqual([noFinalTextNote]);
  });
});
