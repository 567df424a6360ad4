import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import { defineTool, type ToolDefinition, ToolError } from './tool.ts';
import { ToolExecutor } from './tool-executor.ts';

let base: string;
let workspaceDir: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'autopilot-tools-'));
  workspaceDir = join(base, 'workspace');
  outside = join(base, 'outside');
  await mkdir(workspaceDir);
  await mkdir(outside);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A tool that records its inputs, so a test can tell whether anything ran. */
function createRecordingTool(): ToolDefinition<{ value: string }> & { inputs: unknown[] } {
  const inputs: unknown[] = [];
  return {
    inputs,
    name: 'record',
    description: 'Records its input.',
    inputSchema: z.object({ value: z.string() }),
    async execute(input) {
      inputs.push(input);
      return { output: 'recorded' };
    },
  };
}

function createExecutor(extraTools: ToolDefinition<any>[] = []): ToolExecutor {
  return new ToolExecutor({
    tools: [...createDefaultTools(), ...extraTools],
    context: {
      sessionId: 'session-1',
      turnId: 'turn-1',
      workspaceDir,
      signal: new AbortController().signal,
      logger: createLogger({ level: 'silent' }),
    },
  });
}

let callCount = 0;
const run = (executor: ToolExecutor, toolName: string, input: unknown) =>
  executor.execute({ toolCallId: `call-${++callCount}`, toolName, input });

describe('ToolExecutor policy', () => {
  test('an unknown tool is denied with a clear message and nothing runs', async () => {
    const recorder = createRecordingTool();
    const executor = createExecutor([recorder]);

    const outcome = await run(executor, 'Bash', { command: 'touch pwned.txt', value: 'x' });

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(
      /^Tool "Bash" is not available\b.*Use only the tools you were given\.$/,
    );
    expect(outcome.output).toBe(outcome.modelText);
    expect(recorder.inputs).toEqual([]);
    expect(await readdir(workspaceDir)).toEqual([]);
  });

  test('a name differing only in case is not an alias', async () => {
    const outcome = await run(createExecutor(), 'Read_File', { path: 'a.txt' });

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(/"Read_File" is not available/);
  });
});

describe('ToolExecutor input validation', () => {
  test.each([
    ['read_file', { path: 42 }, /^Invalid input for read_file: path: .*expected string/i],
    ['read_file', { path: 'a.txt', offset: 0 }, /^Invalid input for read_file: offset: /],
    ['read_file', { path: 'a.txt', limit: 'ten' }, /^Invalid input for read_file: limit: /],
    ['write_file', { path: 'a.txt' }, /^Invalid input for write_file: content: /],
    ['write_file', { path: 'a.txt', content: 'x', append: 'yes' }, /^Invalid input for write_file: append: /],
    ['list_files', { recursive: 'no' }, /^Invalid input for list_files: recursive: /],
  ])('%s with %j is refused with an error naming the field', async (toolName, input, message) => {
    const outcome = await run(createExecutor(), toolName, input);

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(message);
  });

  test('every invalid field is named at once', async () => {
    const outcome = await run(createExecutor(), 'write_file', { path: 7, content: 8 });

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(/path: .*; content: /);
  });

  test('input that is not an object is refused without throwing', async () => {
    const outcome = await run(createExecutor(), 'read_file', 'a.txt');

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(/^Invalid input for read_file: input: /);
  });

  test('an invalid write writes nothing', async () => {
    await run(createExecutor(), 'write_file', { path: 'a.txt', content: 7 });

    expect(await readdir(workspaceDir)).toEqual([]);
  });
});

describe('ToolExecutor with the workspace tools', () => {
  test('write, read with offset and limit, and list round-trip', async () => {
    const executor = createExecutor();
    const content = ['one', 'two', 'three', 'four', 'five'].join('\n');

    const written = await run(executor, 'write_file', { path: 'notes/todo.txt', content });
    expect(written).toEqual({
      output: { path: 'notes/todo.txt', bytesWritten: content.length, appended: false },
      isError: false,
      modelText: JSON.stringify({ path: 'notes/todo.txt', bytesWritten: content.length, appended: false }),
    });
    expect(await readFile(join(workspaceDir, 'notes', 'todo.txt'), 'utf8')).toBe(content);

    const read = await run(executor, 'read_file', { path: 'notes/todo.txt', offset: 2, limit: 2 });
    expect(read.isError).toBe(false);
    expect(read.output).toEqual({
      path: 'notes/todo.txt',
      content: 'two\nthree',
      startLine: 2,
      endLine: 3,
      totalLines: 5,
    });
    expect(JSON.parse(read.modelText)).toEqual(read.output);

    const whole = await run(executor, 'read_file', { path: 'notes/todo.txt' });
    expect(whole.output).toMatchObject({ content, startLine: 1, endLine: 5 });

    await run(executor, 'write_file', { path: 'readme.md', content: '# Hi' });
    const listed = await run(executor, 'list_files', {});
    expect(listed).toMatchObject({
      isError: false,
      output: {
        files: [
          { path: join('notes', 'todo.txt'), size: content.length },
          { path: 'readme.md', size: 4 },
        ],
        truncated: false,
      },
    });
  });

  test('with a symlinked workspace root, listed paths can be read back', async () => {
    const link = join(base, 'workspace-link');
    await symlink(workspaceDir, link);
    await writeFile(join(workspaceDir, 'a.txt'), 'A');
    const executor = new ToolExecutor({
      tools: createDefaultTools(),
      context: {
        sessionId: 'session-1',
        turnId: 'turn-1',
        workspaceDir: link,
        signal: new AbortController().signal,
        logger: createLogger({ level: 'silent' }),
      },
    });

    const listed = await run(executor, 'list_files', {});
    expect(listed.output).toEqual({ files: [{ path: 'a.txt', size: 1 }], truncated: false });
    expect((await run(executor, 'read_file', { path: 'a.txt' })).output).toMatchObject({ content: 'A' });
  });

  test('append adds to the end of an existing file', async () => {
    const executor = createExecutor();
    await run(executor, 'write_file', { path: 'log.txt', content: 'first\n' });
    const appended = await run(executor, 'write_file', {
      path: 'log.txt',
      content: 'second\n',
      append: true,
    });

    expect(appended.output).toMatchObject({ appended: true });
    expect(await readFile(join(workspaceDir, 'log.txt'), 'utf8')).toBe('first\nsecond\n');
  });

  test('reading a missing file is an error outcome the model can act on', async () => {
    const outcome = await run(createExecutor(), 'read_file', { path: 'missing.txt' });

    expect(outcome).toEqual({
      output: 'File "missing.txt" does not exist in the workspace.',
      isError: true,
      modelText: 'File "missing.txt" does not exist in the workspace.',
    });
  });

  test('a path leaving the workspace is an error outcome, and nothing is written outside', async () => {
    const executor = createExecutor();

    const climbing = await run(executor, 'write_file', { path: '../outside/escaped.txt', content: 'x' });
    expect(climbing.isError).toBe(true);
    expect(climbing.modelText).toMatch(/contains "\.\."/);

    await symlink(join(outside, 'through-link.txt'), join(workspaceDir, 'link.txt'));
    const throughLink = await run(executor, 'write_file', { path: 'link.txt', content: 'x' });
    expect(throughLink.isError).toBe(true);
    expect(throughLink.modelText).toMatch(/outside the workspace/);

    expect(await readdir(outside)).toEqual([]);
  });

  test('reading through a symlink to a file outside is refused', async () => {
    await writeFile(join(outside, 'secret.txt'), 'TOP-SECRET-VALUE');
    await symlink(join(outside, 'secret.txt'), join(workspaceDir, 'notes.txt'));

    const outcome = await run(createExecutor(), 'read_file', { path: 'notes.txt' });

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(/outside the workspace/);
    expect(JSON.stringify(outcome)).not.toContain('TOP-SECRET-VALUE');
  });
});

describe('ToolExecutor failures', () => {
  const throwing = defineTool({
    name: 'explode',
    description: 'Always fails.',
    inputSchema: z.object({}),
    async execute(): Promise<never> {
      throw new Error('disk on fire');
    },
  });
  const refusing = defineTool({
    name: 'refuse',
    description: 'Fails the way a tool reports a problem for the model.',
    inputSchema: z.object({}),
    async execute(): Promise<never> {
      throw new ToolError('Nothing to refuse.');
    },
  });

  test('a tool that throws a plain Error is reported as an error outcome naming the tool', async () => {
    const outcome = await run(createExecutor([throwing]), 'explode', {});

    expect(outcome).toEqual({
      output: 'explode failed: disk on fire',
      isError: true,
      modelText: 'explode failed: disk on fire',
    });
  });

  test('a ToolError reaches the model as its own message', async () => {
    const outcome = await run(createExecutor([refusing]), 'refuse', {});

    expect(outcome).toEqual({ output: 'Nothing to refuse.', isError: true, modelText: 'Nothing to refuse.' });
  });

  test('a tool returning isError keeps its output and is flagged', async () => {
    const soft = defineTool({
      name: 'soft',
      description: 'Returns an error result.',
      inputSchema: z.object({}),
      async execute() {
        return { output: { reason: 'quota' }, isError: true };
      },
    });

    expect(await run(createExecutor([soft]), 'soft', {})).toEqual({
      output: { reason: 'quota' },
      isError: true,
      modelText: '{"reason":"quota"}',
    });
  });
});

describe('ToolExecutor errors never show server paths', () => {
  test('a system error names workspace paths relative to the root, and hides every other absolute path', async () => {
    await writeFile(join(workspaceDir, 'notes.txt'), 'a file, not a folder');
    const throwsSystemError = defineTool({
      name: 'open_elsewhere',
      description: 'Fails like a system call on a server file.',
      inputSchema: z.object({}),
      async execute() {
        return { output: await readFile(join(outside, 'missing.json'), 'utf8') };
      },
    });
    const executor = createExecutor([throwsSystemError]);

    const nested = await run(executor, 'write_file', { path: 'notes.txt/inner.txt', content: 'x' });
    const elsewhere = await run(executor, 'open_elsewhere', {});

    for (const outcome of [nested, elsewhere]) {
      expect(outcome.isError).toBe(true);
      const shown = JSON.stringify(outcome.output) + outcome.modelText;
      expect(shown).not.toContain(base);
      expect(shown).not.toMatch(/(^|[\s'"])\/(tmp|root|home|var)\b/);
    }
    expect(nested.modelText).toContain('notes.txt');
    expect(elsewhere.modelText).toContain('<server path>');
  });
});
