import { describe, expect, test } from 'vitest';
import { describeToolPart } from './tool-row.ts';

const finished = (toolName: string, input: unknown, output: unknown) =>
  describeToolPart({ toolName, state: 'output-available', input, output }).finished;

describe('describeToolPart', () => {
  test('file tools name their file; a failure carries its error on one line', () => {
    expect(finished('write_file', { path: 'notes.txt', content: 'x' }, {})).toEqual({
      ok: true,
      text: 'write_file notes.txt',
    });
    expect(
      describeToolPart({
        toolName: 'read_file',
        state: 'output-error',
        input: { path: 'a.md' },
        errorText: 'No such\nfile',
      }).finished,
    ).toEqual({ ok: false, text: 'read_file a.md — No such file' });
    expect(
      describeToolPart({ toolName: 'edit_file', state: 'input-available', input: { path: 'b' } }),
    ).toEqual({
      running: 'edit_file b',
      finished: null,
      isAgent: false,
    });
  });

  test('the shell shows its command and exit code; a non-zero exit is not a success', () => {
    expect(finished('bash_exec', { command: 'ls -la' }, { exitCode: 0, stdout: '' })).toEqual({
      ok: true,
      text: 'bash_exec $ ls -la (exit 0)',
    });
    expect(finished('bash_exec', { command: 'false' }, JSON.stringify({ exit_code: 1 }))).toEqual({
      ok: false,
      text: 'bash_exec $ false (exit 1)',
    });
  });

  test('agent rows: running, started in the background, completed, still running', () => {
    const input = { description: 'Survey the repo', prompt: 'Look at everything' };
    expect(describeToolPart({ toolName: 'Agent', state: 'input-available', input })).toMatchObject({
      running: 'Running agent: Survey the repo',
      isAgent: true,
    });
    expect(finished('Agent', input, { isAsync: true })?.text).toBe(
      'Agent started (background): Survey the repo',
    );
    expect(finished('Task', input, JSON.stringify({ status: 'async_launched' }))?.text).toBe(
      'Agent started (background): Survey the repo',
    );
    expect(finished('Task', { prompt: 'Do the thing' }, 'All done')?.text).toBe(
      'Agent completed: Do the thing',
    );
    expect(finished('TaskOutput', { task_id: 't1' }, { retrieval_status: 'timeout' })?.text).toBe(
      'Agent still running…',
    );
    expect(finished('TaskOutput', { task_id: 't1' }, { retrieval_status: 'success' })?.text).toBe(
      'Agent completed: t1',
    );
  });

  test('search, web, todo, compaction and other tools', () => {
    expect(finished('grep', { pattern: 'TODO', path: 'src' }, {})?.text).toBe('grep "TODO" in src');
    expect(finished('web_fetch', { url: 'https://example.com' }, {})?.text).toBe(
      'web_fetch https://example.com',
    );
    const todos = [{ status: 'completed' }, { status: 'pending' }];
    expect(finished('todo_write', { todos }, {})?.text).toBe('todo_write (2 items, 1 done)');
    expect(finished('context_compaction', {}, { tokensBefore: 128_000, tokensAfter: 31_000 })?.text).toBe(
      'Earlier messages were summarized (128K → 31K tokens)',
    );
    expect(finished('mcp__github__search', { q: 'x'.repeat(100) }, {})?.text).toMatch(
      /^mcp__github__search \{"q":"x+…$/,
    );
  });

  test('escape sequences in inputs never reach the row', () => {
    expect(finished('write_file', { path: 'a\x1b]0;title\x07\nb.txt' }, {})?.text).toBe('write_file a b.txt');
  });
});
