import { describe, expect, test } from 'vitest';
import { userMessageText } from './attachment-hint.ts';
import { formatConversationHistory } from './conversation-history.ts';

const attachments = [
  {
    fileId: 'f1',
    name: 'q1 report.pdf',
    mediaType: 'application/pdf',
    size: 2048,
    path: 'attachments/q1 report.pdf',
  },
  { fileId: 'f2', name: 'data.csv', mediaType: 'text/csv', size: 7, path: 'attachments/data (2).csv' },
];

describe('userMessageText', () => {
  test('a message without attachments is its text', () => {
    expect(userMessageText({ content: 'Hello', metadata: {} })).toBe('Hello');
    expect(userMessageText({ content: 'Hello', metadata: { attachments: 'nonsense' } })).toBe('Hello');
  });

  test('attachments are listed after the text with type, size, workspace path and the tools to read them', () => {
    expect(userMessageText({ content: 'Compare them', metadata: { attachments } })).toBe(
      [
        'Compare them',
        '',
        '<attachments>',
        'The user attached these files. Copies are in your workspace; use read_file / list_files to look at them.',
        '- q1 report.pdf (application/pdf, 2048 bytes) at attachments/q1 report.pdf',
        '- data.csv (text/csv, 7 bytes) at attachments/data (2).csv',
        '</attachments>',
      ].join('\n'),
    );
  });

  test('the conversation history block replays the hint of earlier messages', () => {
    const history = formatConversationHistory({
      messages: [
        {
          seq: 1,
          role: 'user',
          turnId: 't1',
          step: null,
          content: 'Compare them',
          toolCall: null,
          toolCallId: null,
          metadata: { attachments },
        },
      ],
    });

    expect(history).toContain(
      `User: ${userMessageText({ content: 'Compare them', metadata: { attachments } })}`,
    );
  });
});
