import { describe, expect, test } from 'vitest';
import type { StoredMessage } from '../../store/session-store.ts';
import { toModelMessages } from './to-model-messages.ts';

let seq = 0;

/** A stored row as the session store returns it; only the fields under test need be given. */
function row(fields: Partial<StoredMessage> & Pick<StoredMessage, 'role'>): StoredMessage {
  seq += 1;
  return {
    id: `row-${seq}`,
    sessionId: 'session-1',
    seq,
    turnId: null,
    step: null,
    content: '',
    toolCall: null,
    toolCallId: null,
    metadata: {},
    createdAt: new Date(0).toISOString(),
    ...fields,
  };
}

const user = (content: string) => row({ role: 'user', content });
const text = (turnId: string, step: number, content: string) =>
  row({ role: 'assistant', turnId, step, content });
const call = (turnId: string, step: number, id: string, name: string, input: unknown) =>
  row({ role: 'assistant', turnId, step, toolCall: { id, name, input } });
const result = (turnId: string, step: number, toolCallId: string, output: unknown, isError = false) =>
  row({
    role: 'tool',
    turnId,
    step,
    toolCallId,
    content: JSON.stringify(output),
    metadata: isError ? { isError: true } : {},
  });

describe('toModelMessages', () => {
  test('user and assistant text become user and assistant messages', () => {
    expect(toModelMessages([user('Hello'), text('t1', 0, 'Hi! How can I help?')])).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hi! How can I help?' }] },
    ]);
  });

  test('an earlier user message with attachments carries the same hint the prompt had', () => {
    const metadata = {
      attachments: [
        { fileId: 'f1', name: 'a.csv', mediaType: 'text/csv', size: 12, path: 'attachments/a.csv' },
      ],
    };
    const [message] = toModelMessages([row({ role: 'user', content: 'Chart this', metadata })]);

    expect(message).toEqual({
      role: 'user',
      content: expect.stringMatching(
        /^Chart this\n\n<attachments>\n.*\n- a\.csv \(text\/csv, 12 bytes\) at attachments\/a\.csv\n<\/attachments>$/,
      ),
    });
  });

  test('a step with text and two tool calls, then their results, is one assistant and one tool message', () => {
    const messages = toModelMessages([
      user('Show me both files'),
      text('t1', 0, 'Reading them.'),
      call('t1', 0, 'call-1', 'read_file', { path: 'a.txt' }),
      call('t1', 0, 'call-2', 'read_file', { path: 'b.txt' }),
      result('t1', 0, 'call-1', { content: 'A' }),
      result('t1', 0, 'call-2', { content: 'B' }),
      text('t1', 1, 'A and B.'),
    ]);

    expect(messages).toEqual([
      { role: 'user', content: 'Show me both files' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reading them.' },
          { type: 'tool-call', toolCallId: 'call-1', toolName: 'read_file', input: { path: 'a.txt' } },
          { type: 'tool-call', toolCallId: 'call-2', toolName: 'read_file', input: { path: 'b.txt' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call-1',
            toolName: 'read_file',
            output: { type: 'text', value: '{"content":"A"}' },
          },
          {
            type: 'tool-result',
            toolCallId: 'call-2',
            toolName: 'read_file',
            output: { type: 'text', value: '{"content":"B"}' },
          },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'A and B.' }] },
    ]);
  });

  test('a stored JSON string is sent as the string itself; an object is sent as JSON', () => {
    const messages = toModelMessages([
      user('go'),
      call('t1', 0, 'call-1', 'echo', {}),
      call('t1', 0, 'call-2', 'list_files', {}),
      result('t1', 0, 'call-1', 'line one\nline "two"'),
      result('t1', 0, 'call-2', { files: [{ path: 'a.txt', size: 1 }] }),
    ]);

    const tool = messages.find((message) => message.role === 'tool');
    expect(tool?.content).toEqual([
      expect.objectContaining({ output: { type: 'text', value: 'line one\nline "two"' } }),
      expect.objectContaining({ output: { type: 'text', value: '{"files":[{"path":"a.txt","size":1}]}' } }),
    ]);
  });

  test('a tool row whose content is not JSON is sent as is', () => {
    const messages = toModelMessages([
      user('go'),
      call('t1', 0, 'call-1', 'echo', {}),
      row({ role: 'tool', turnId: 't1', step: 0, toolCallId: 'call-1', content: 'plain text' }),
    ]);

    expect(messages[2]).toEqual({
      role: 'tool',
      content: [expect.objectContaining({ output: { type: 'text', value: 'plain text' } })],
    });
  });

  test('an error tool row becomes an error-text result', () => {
    const messages = toModelMessages([
      user('read it'),
      call('t1', 0, 'call-1', 'read_file', { path: 'missing.txt' }),
      result('t1', 0, 'call-1', 'File "missing.txt" does not exist in the workspace.', true),
    ]);

    expect(messages[2]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call-1',
          toolName: 'read_file',
          output: { type: 'error-text', value: 'File "missing.txt" does not exist in the workspace.' },
        },
      ],
    });
  });

  test('the reasoning of a turn that called tools goes back in its field; without a field, or from a turn without tools, it does not', () => {
    const field = (reasoningField: string) => ({ metadata: { reasoningField } });
    const inField = (reasoningField: string) => ({ 'openai-compatible': { reasoningField } });
    const messages = toModelMessages([
      user('Write it'),
      row({
        role: 'reasoning',
        turnId: 't1',
        step: 0,
        content: 'I should write.',
        ...field('reasoning_content'),
      }),
      call('t1', 0, 'c1', 'write_file', { path: 'a' }),
      result('t1', 0, 'c1', 'ok'),
      row({ role: 'reasoning', turnId: 't1', step: 1, content: 'Done now.', ...field('reasoning') }),
      row({ role: 'reasoning', turnId: 't1', step: 1, content: 'No field kept (an older row).' }),
      text('t1', 1, 'Written.'),
      user('Thanks'),
      row({
        role: 'reasoning',
        turnId: 't2',
        step: 0,
        content: 'Just answer.',
        ...field('reasoning_content'),
      }),
      text('t2', 0, 'You are welcome.'),
      user('Next'),
    ]);

    expect(messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'I should write.', providerOptions: inField('reasoning_content') },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'write_file', input: { path: 'a' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'write_file',
            output: { type: 'text', value: 'ok' },
          },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Done now.', providerOptions: inField('reasoning') },
          { type: 'text', text: 'Written.' },
        ],
      },
      { role: 'user', content: 'Thanks' },
      { role: 'assistant', content: [{ type: 'text', text: 'You are welcome.' }] },
      { role: 'user', content: 'Next' },
    ]);
  });

  test('markers and reasoning rows never reach the model', () => {
    const messages = toModelMessages([
      user('Hello'),
      row({ role: 'reasoning', turnId: 't1', step: 0, content: 'The user greets me.' }),
      text('t1', 0, 'Hi!'),
      row({
        role: 'marker',
        turnId: 't1',
        content: 'Execution stopped by user',
        metadata: { marker: { kind: 'system', message: 'Execution stopped by user' } },
      }),
      user('Again'),
    ]);

    expect(messages).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hi!' }] },
      { role: 'user', content: 'Again' },
    ]);
  });

  test('a tool call without a stored result gets a synthetic error result, before the next user message', () => {
    const messages = toModelMessages([
      user('Write two files'),
      call('t1', 0, 'call-1', 'write_file', { path: 'a.txt', content: 'a' }),
      call('t1', 0, 'call-2', 'write_file', { path: 'b.txt', content: 'b' }),
      result('t1', 0, 'call-1', { path: 'a.txt' }),
      user('Did it work?'),
    ]);

    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(messages[2]?.content).toEqual([
      expect.objectContaining({ toolCallId: 'call-1', output: { type: 'text', value: '{"path":"a.txt"}' } }),
      {
        type: 'tool-result',
        toolCallId: 'call-2',
        toolName: 'write_file',
        output: { type: 'error-text', value: expect.stringMatching(/did not finish/) },
      },
    ]);
  });

  test('a history ending in an unanswered tool call ends with a synthetic tool message', () => {
    const messages = toModelMessages([user('go'), call('t1', 0, 'call-1', 'list_files', {})]);

    expect(messages.at(-1)).toEqual({
      role: 'tool',
      content: [
        expect.objectContaining({
          toolCallId: 'call-1',
          output: expect.objectContaining({ type: 'error-text' }),
        }),
      ],
    });
  });

  test('two turns in a row keep their order', () => {
    const messages = toModelMessages([
      user('First'),
      text('t1', 0, 'First answer'),
      row({
        role: 'marker',
        turnId: 't1',
        content: 'The model failed',
        metadata: {
          marker: { kind: 'error', error: { code: 'model_error', retryable: true, message: 'x' } },
        },
      }),
      user('Second'),
      call('t2', 0, 'call-1', 'list_files', {}),
      result('t2', 0, 'call-1', { files: [] }),
      text('t2', 1, 'The workspace is empty.'),
      text('t3', 0, 'A third turn with no user row in between.'),
    ]);

    expect(messages.map((message) => [message.role, summary(message.content)])).toEqual([
      ['user', 'First'],
      ['assistant', 'First answer'],
      ['user', 'Second'],
      ['assistant', 'tool-call'],
      ['tool', 'tool-result'],
      ['assistant', 'The workspace is empty.'],
      ['assistant', 'A third turn with no user row in between.'],
    ]);
  });
});

function summary(content: unknown): string {
  if (typeof content === 'string') return content;
  const [first] = content as { type: string; text?: string }[];
  return first?.text ?? first?.type ?? '';
}
