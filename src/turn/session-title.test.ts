import { describe, expect, test } from 'vitest';
import { cleanTitle, fallbackTitle } from './session-title.ts';

describe('cleanTitle', () => {
  test.each([
    ['Fix login redirect bug', 'Fix login redirect bug'],
    ['  "Fix login redirect bug."  ', 'Fix login redirect bug'],
    ["'Plan the Q3 roadmap'", 'Plan the Q3 roadmap'],
    ['`Parse CSV exports`...', 'Parse CSV exports'],
    ['\n\nRefactor the store\nThis title covers the refactor.', 'Refactor the store'],
    ['Node.js upgrade notes', 'Node.js upgrade notes'],
    ['Why does it fail?', 'Why does it fail?'],
    ['**Fix login redirect**', 'Fix login redirect'],
    ['# Plan the roadmap', 'Plan the roadmap'],
    ['Title: Parse CSV exports', 'Parse CSV exports'],
    ['Here is **the plan**:', 'Here is the plan'],
    ['Use __init__ files', 'Use __init__ files'],
  ])('%j becomes %j', (raw, title) => {
    expect(cleanTitle(raw)).toBe(title);
  });

  test('blank or punctuation-only model output gives an empty title, so the caller falls back', () => {
    expect(cleanTitle('')).toBe('');
    expect(cleanTitle('  \n ')).toBe('');
    expect(cleanTitle('"..."')).toBe('');
  });

  test('a title over 50 characters is cut to 50 with an ellipsis', () => {
    const title = cleanTitle('A'.repeat(80));

    expect(title).toHaveLength(50);
    expect(title).toBe(`${'A'.repeat(47)}...`);
    expect(cleanTitle('B'.repeat(50))).toBe('B'.repeat(50));
  });
});

describe('fallbackTitle', () => {
  test('uses the first six words of the message, whitespace collapsed', () => {
    expect(fallbackTitle('  Please   help me\nwrite a\tpoem about the sea and sky ')).toBe(
      'Please help me write a poem',
    );
  });

  test('a short message is used whole, without quotes or a trailing period', () => {
    expect(fallbackTitle('"Summarise this file."')).toBe('Summarise this file');
  });

  test('an empty or blank message gives "New conversation"', () => {
    expect(fallbackTitle('')).toBe('New conversation');
    expect(fallbackTitle(' \n\t ')).toBe('New conversation');
    expect(fallbackTitle('...')).toBe('New conversation');
  });

  test('six very long words are cut to the title limit', () => {
    const title = fallbackTitle(`${'word'.repeat(20)} second third`);

    expect(title).toHaveLength(50);
    expect(title.endsWith('...')).toBe(true);
  });
});
