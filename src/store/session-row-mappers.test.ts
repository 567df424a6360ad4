import { describe, expect, test } from 'vitest';
import { toSessionRecord, toStoredMessage, toTurnRecord } from './session-row-mappers.ts';

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

const sessionRow = {
  id: 's1',
  owner_id: 'local',
  title: null,
  permissions: null,
  running: 0,
  waiting: 1,
  created_at: '2026-11-30T10:00:00.000Z',
  updated_at: '2026-11-30T10:00:01.000Z',
};

describe('toSessionRecord', () => {
  test('maps a row, with every tool allowed when it has no permissions, and its status from the flags', () => {
    expect(toSessionRecord(sessionRow)).toEqual({
      id: 's1',
      ownerId: 'local',
      title: null,
      permissions: { allow: null, deny: [] },
      status: 'queued',
      createdAt: '2026-11-30T10:00:00.000Z',
      updatedAt: '2026-11-30T10:00:01.000Z',
    });
    expect(toSessionRecord({ ...sessionRow, running: 1 }).status).toBe('running');
    expect(toSessionRecord({ ...sessionRow, running: false, waiting: false }).status).toBe('idle');
    expect(toSessionRecord({ ...sessionRow, running: true }).status).toBe('running');
  });

  test('parses stored permissions, filling in what they leave out', () => {
    const permissions = JSON.stringify({ deny: ['bash_exec'] });
    expect(toSessionRecord({ ...sessionRow, title: 'Notes', permissions })).toMatchObject({
      title: 'Notes',
      permissions: { allow: null, deny: ['bash_exec'] },
    });
  });

  test.each([
    ['no row', 'text'],
    ['a missing id', { ...sessionRow, id: undefined }],
    ['a title that is not text', { ...sessionRow, title: 3 }],
    ['permissions that are not JSON', { ...sessionRow, permissions: '{' }],
    ['permissions of another shape', { ...sessionRow, permissions: '{"deny":"bash_exec"}' }],
    ['permissions with an unknown key', { ...sessionRow, permissions: '{"deny":[],"extra":1}' }],
    ['a flag that is text', { ...sessionRow, running: '1' }],
    ['a missing flag', { ...sessionRow, waiting: undefined }],
    ['a missing updated_at', { ...sessionRow, updated_at: null }],
  ])('refuses %s', (_name, bad) => {
    expect(() => toSessionRecord(bad)).toThrow(/stored session has an invalid/);
  });
});

const turnRow = {
  id: 't1',
  session_id: 's1',
  owner_id: 'local',
  status: 'running',
  message_id: 'm2',
  client_message_id: null,
  user_message_id: 'm1',
  error_code: null,
  fencing_token: 4,
  started_at: '2026-11-30T10:00:00.000Z',
  ended_at: null,
};

describe('toTurnRecord', () => {
  test('maps a row, taking the fencing token Postgres returns as text', () => {
    expect(toTurnRecord(turnRow)).toEqual({
      id: 't1',
      sessionId: 's1',
      ownerId: 'local',
      status: 'running',
      messageId: 'm2',
      clientMessageId: null,
      userMessageId: 'm1',
      errorCode: null,
      fencingToken: 4,
      startedAt: '2026-11-30T10:00:00.000Z',
      endedAt: null,
    });
    expect(
      toTurnRecord({
        ...turnRow,
        status: 'failed',
        fencing_token: '7',
        error_code: 'model_error',
        ended_at: 'x',
      }),
    ).toMatchObject({ status: 'failed', fencingToken: 7, errorCode: 'model_error', endedAt: 'x' });
  });

  test.each([
    ['no row', null],
    ['an unknown status', { ...turnRow, status: 'paused' }],
    ['a fencing token that is no integer', { ...turnRow, fencing_token: 1.5 }],
    ['a missing fencing token', { ...turnRow, fencing_token: null }],
    ['a missing user message', { ...turnRow, user_message_id: null }],
    ['a client key that is not text', { ...turnRow, client_message_id: 5 }],
  ])('refuses %s', (_name, bad) => {
    expect(() => toTurnRecord(bad)).toThrow(/stored turn has an invalid/);
  });
});
