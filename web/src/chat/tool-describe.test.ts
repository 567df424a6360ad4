import { describe, expect, test } from 'vitest';
import { describeTool, toolCategory } from './tool-describe.ts';

const done = (toolName: string, input: unknown, output: unknown = {}) =>
  describeTool({ toolName, state: 'done', input, output });

describe('tool rows', () => {
  test('categories by name, whatever prefix the runtime adds', () => {
    expect(toolCategory('bash_exec')).toBe('shell');
    expect(toolCategory('mcp__autopilot__read_file')).toBe('file-read');
    expect(toolCategory('Edit')).toBe('edit');
    expect(toolCategory('Task')).toBe('agent');
    expect(toolCategory('TaskOutput')).toBe('agent');
    expect(toolCategory('context_compaction')).toBe('compaction');
    expect(toolCategory('mcp__github__create_issue')).toBe('generic');
  });

  test('agent wording: running, background, completed, still running', () => {
    const input = { description: 'Survey the repo', prompt: 'Look around' };
    expect(describeTool({ toolName: 'Agent', state: 'running', input, output: undefined }).summary).toBe(
      'Running agent: Survey the repo',
    );
    expect(done('Task', input, { isAsync: true }).summary).toBe(
      'Agent started (background): Survey the repo',
    );
    expect(done('Agent', input, { status: 'async_launched' }).summary).toBe(
      'Agent started (background): Survey the repo',
    );
    expect(done('Agent', input, { status: 'completed' }).summary).toBe('Agent completed: Survey the repo');
    expect(done('TaskOutput', { task_id: 'a1' }, { retrieval_status: 'timeout' }).summary).toBe(
      'Agent still running…',
    );
    expect(done('Agent', { prompt: 'x'.repeat(100) }).summary).toMatch(/^Agent completed: x{59}…$/);
  });

  test('files read by their name; shell by command and exit code; compaction with its token counts', () => {
    expect(done('write_file', { path: 'deep/folder/notes.md' }).summary).toBe('Wrote notes.md');
    expect(done('bash_exec', { command: 'ls -la' }, { exitCode: 2 })).toMatchObject({
      summary: 'Ran: ls -la',
      badge: 'exit 2',
    });
    expect(done('context_compaction', {}, { tokensBefore: 128_000, tokensAfter: 31_000 }).summary).toBe(
      'Earlier messages were summarized (128K → 31K tokens)',
    );
    expect(
      describeTool({ toolName: 'grep', state: 'error', input: { pattern: 'x' }, output: undefined }).summary,
    ).toBe('Search failed');
  });
});
