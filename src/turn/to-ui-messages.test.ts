import { describe, expect, test } from 'vitest';
import type { ErrorData } from '../protocol/index.ts';
import type { StoredMessage } from '../store/session-store.ts';
import { markerMessage } from './markers.ts';
import { toUIMessages } from './to-ui-messages.ts';

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

const user = (id: string, content: string) => row({ id, role: 'user', content });
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
/** A marker row exactly as the turn engine stores it. */
const marker = (turnId: string, value: Parameters<typeof markerMessage>[0]['marker']) => {
  const message = markerMessage({ turnId, marker: value });
  return row({ ...message, turnId, metadata: message.metadata ?? {} });
};

describe('toUIMessages', () => {
  test('each user row is one user message with its text', () => {
    expect(toUIMessages([user('u1', 'Hello'), user('u2', 'Anyone there?')])).toEqual([
      { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hello', state: 'done' }] },
      { id: 'u2', role: 'user', parts: [{ type: 'text', text: 'Anyone there?', state: 'done' }] },
    ]);
  });

  test('a user row with attachments gets a file part per file after its text; unreadable entries are skipped', () => {
    const attachments = [
      {
        fileId: 'f1',
        name: 'report.pdf',
        mediaType: 'application/pdf',
        size: 10,
        path: 'attachments/report.pdf',
      },
      { fileId: 'f/2', name: 'a.txt', mediaType: 'text/plain', size: 1, path: 'attachments/a.txt' },
      { fileId: 'f3', name: 'broken' },
    ];
    const messages = toUIMessages([
      row({ id: 'u1', role: 'user', content: 'See these', metadata: { attachments } }),
    ]);

    expect(messages[0]?.parts).toEqual([
      { type: 'text', text: 'See these', state: 'done' },
      { type: 'file', mediaType: 'application/pdf', url: '/api/files/f1', filename: 'report.pdf' },
      { type: 'file', mediaType: 'text/plain', url: '/api/files/f%2F2', filename: 'a.txt' },
    ]);
  });

  test('each turn is one assistant message with id = turnId and a step-start before each step', () => {
    const messages = toUIMessages([
      user('u1', 'List and summarise'),
      row({ role: 'reasoning', turnId: 't1', step: 0, content: 'I should list first.' }),
      text('t1', 0, 'Listing.'),
      call('t1', 0, 'call-1', 'list_files', {}),
      result('t1', 0, 'call-1', { files: [] }),
      text('t1', 1, 'The workspace is empty.'),
      user('u2', 'Thanks'),
      text('t2', 0, 'You are welcome.'),
    ]);

    expect(messages.map((message) => [message.id, message.role])).toEqual([
      ['u1', 'user'],
      ['t1', 'assistant'],
      ['u2', 'user'],
      ['t2', 'assistant'],
    ]);
    expect(messages[1]?.parts).toEqual([
      { type: 'step-start' },
      { type: 'reasoning', text: 'I should list first.', state: 'done' },
      { type: 'text', text: 'Listing.', state: 'done' },
      {
        type: 'tool-list_files',
        toolCallId: 'call-1',
        state: 'output-available',
        input: {},
        output: { files: [] },
      },
      { type: 'step-start' },
      { type: 'text', text: 'The workspace is empty.', state: 'done' },
    ]);
    expect(messages[3]?.parts).toEqual([
      { type: 'step-start' },
      { type: 'text', text: 'You are welcome.', state: 'done' },
    ]);
  });

  test('tool parts end as output-available, output-error with errorText, or stay input-available', () => {
    const [, assistant] = toUIMessages([
      user('u1', 'go'),
      call('t1', 0, 'call-ok', 'read_file', { path: 'a.txt' }),
      call('t1', 0, 'call-bad', 'read_file', { path: 'missing.txt' }),
      call('t1', 0, 'call-open', 'write_file', { path: 'b.txt', content: 'b' }),
      result('t1', 0, 'call-ok', { content: 'A', totalLines: 1 }),
      result('t1', 0, 'call-bad', 'File "missing.txt" does not exist in the workspace.', true),
    ]);

    expect(assistant?.parts.slice(1)).toEqual([
      {
        type: 'tool-read_file',
        toolCallId: 'call-ok',
        state: 'output-available',
        input: { path: 'a.txt' },
        output: { content: 'A', totalLines: 1 },
      },
      {
        type: 'tool-read_file',
        toolCallId: 'call-bad',
        state: 'output-error',
        input: { path: 'missing.txt' },
        errorText: 'File "missing.txt" does not exist in the workspace.',
      },
      {
        type: 'tool-write_file',
        toolCallId: 'call-open',
        state: 'input-available',
        input: { path: 'b.txt', content: 'b' },
      },
    ]);
  });

  test('error and system markers become data-error and data-system parts inside the turn', () => {
    const error: ErrorData = { code: 'model_error', retryable: true, message: 'The model provider failed.' };
    const [, assistant] = toUIMessages([
      user('u1', 'go'),
      text('t1', 0, 'Starting.'),
      marker('t1', { kind: 'error', error }),
      marker('t1', { kind: 'system', message: 'Execution stopped by user' }),
    ]);

    expect(assistant).toEqual({
      id: 't1',
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'text', text: 'Starting.', state: 'done' },
        { type: 'data-error', data: error },
        { type: 'data-system', data: { message: 'Execution stopped by user' } },
      ],
    });
  });

  test('a turn with only a marker yields an assistant message with just that part', () => {
    const messages = toUIMessages([
      user('u1', 'go'),
      marker('t1', {
        kind: 'system',
        message: 'The server stopped before this turn finished. Send a message to continue.',
      }),
    ]);

    expect(messages).toEqual([
      { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'go', state: 'done' }] },
      {
        id: 't1',
        role: 'assistant',
        parts: [
          {
            type: 'data-system',
            data: { message: 'The server stopped before this turn finished. Send a message to continue.' },
          },
        ],
      },
    ]);
  });

  test('user messages carry the client’s messageId; a steered one is a data-follow-up part inside its turn; turns get their metadata', () => {
    const metadata = {
      turnId: 't1',
      status: 'completed' as const,
      startedAt: new Date(0).toISOString(),
      durationMs: 1200,
      usage: {
        inputTokens: 1,
        outputTokens: 2,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        costKnown: true,
      },
    };
    const messages = toUIMessages(
      [
        row({ id: 'row-a', role: 'user', content: 'start', turnId: 't1', clientMessageId: 'client-a' }),
        text('t1', 0, 'Working.'),
        row({
          id: 'row-b',
          role: 'user',
          content: 'also this',
          turnId: 't1',
          step: 0,
          clientMessageId: 'client-b',
        }),
        text('t1', 1, 'Done, with that too.'),
      ],
      { turns: new Map([['t1', metadata]]) },
    );

    expect(messages).toEqual([
      { id: 'client-a', role: 'user', parts: [{ type: 'text', text: 'start', state: 'done' }] },
      {
        id: 't1',
        role: 'assistant',
        metadata,
        parts: [
          { type: 'step-start' },
          { type: 'text', text: 'Working.', state: 'done' },
          { type: 'data-follow-up', data: { messageId: 'client-b', text: 'also this' } },
          { type: 'step-start' },
          { type: 'text', text: 'Done, with that too.', state: 'done' },
        ],
      },
    ]);
  });
});
