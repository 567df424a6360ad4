import { describe, expect, test } from 'vitest';
import { toStoredMessage } from './session-row-mappers.ts';

const row = {
  id: 'm1',
  session_id: 's1',
  seq: 3,
  role: 'assistant',
  turn_id: 't1',
  step: 0,
  content: '',
  tool_call: JSON.stringify({ id: 'c1', name: 'read_file', input: { path: 'a.txt' }, extra: 'dropped' }),
  tool_call_id: null,
  metadata: JSON.stringify({ synthetic: true }),
  client_message_id: null,
  created_at: '2026-11-30T10:00:00.000Z',
};

describe('toStoredMessage', () => {
  test('maps a row, with its JSON columns parsed and nothing but a tool call’s id, name and input kept', () => {
    expect(toStoredMessage(row)).toEqual({
      id: 'm1',
      sessionId: 's1',
      seq: 3,
      role: 'assistant',
      turnId: 't1',
      step: 0,
      content: '',
      toolCall: { id: 'c1', name: 'read_file', input: { path: 'a.txt' } },
      toolCallId: null,
      metadata: { synthetic: true },
      clientMessageId: null,
      createdAt: '2026-11-30T10:00:00.000Z',
    });
  });

  test('takes the integers Postgres returns as text, and the nulls of a user row', () => {
    const user = {
      ...row,
      role: 'user',
      seq: '12',
      step: null,
      tool_call: null,
      turn_id: null,
      metadata: '{}',
    };
    expect(toStoredMessage({ ...user, client_message_id: 'k1' })).toMatchObject({
      seq: 12,
      step: null,
      toolCall: null,
      turnId: null,
      clientMessageId: 'k1',
    });
    expect(toStoredMessage({ ...row, seq: 12n }).seq).toBe(12);
  });

  test.each([
    ['no row', null],
    ['an unknown role', { ...row, role: 'system' }],
    ['a seq that is not an integer', { ...row, seq: '1.5' }],
    ['a seq that is no number', { ...row, seq: 'x' }],
    ['an empty seq', { ...row, seq: '' }],
    ['a missing step', { ...row, step: undefined }],
    ['content that is not text', { ...row, content: null }],
    ['a tool call that is not JSON', { ...row, tool_call: '{' }],
    ['a tool call without a name', { ...row, tool_call: '{"id":"c1","input":{}}' }],
    ['a tool call without an input', { ...row, tool_call: '{"id":"c1","name":"read_file"}' }],
    ['a tool call that is not an object', { ...row, tool_call: 'null' }],
    ['metadata that is a list', { ...row, metadata: '[]' }],
    ['metadata that is null', { ...row, metadata: 'null' }],
    ['metadata that is not JSON', { ...row, metadata: 'nope' }],
    ['a missing id', { ...row, id: undefined }],
  ])('refuses %s', (_name, bad) => {
    expect(() => toStoredMessage(bad)).toThrow(/stored message has an invalid/);
  });
});
