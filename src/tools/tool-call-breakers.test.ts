import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import { type AnyToolDefinition, ToolError } from './tool.ts';
import { canonicalJson } from './tool-call-breakers.ts';
import { ToolExecutor } from './tool-executor.ts';

let base: string;
let workspaceDir: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'autopilot-breakers-'));
  workspaceDir = join(base, 'workspace');
  await mkdir(workspaceDir);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function createExecutor(extraTools: AnyToolDefinition[] = []): ToolExecutor {
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

/** Fails while `failing` is true; records every input it actually ran with. */
function createFlakyTool() {
  const tool = {
    failing: true,
    inputs: [] as unknown[],
    name: 'flaky',
    description: 'Fails on demand.',
    inputSchema: z.object({ target: z.string(), options: z.record(z.string(), z.number()).optional() }),
    async execute(input: unknown) {
      tool.inputs.push(input);
      if (tool.failing) throw new ToolError('The target is unavailable.');
      return { output: 'done' };
    },
  };
  return tool;
}

let callCount = 0;
const run = (executor: ToolExecutor, toolName: string, input: unknown) =>
  executor.execute({ toolCallId: `call-${++callCount}`, toolName, input });

describe('identical failing calls', () => {
  test('the 4th identical call after 3 failures does not run and tells the model to STOP', async () => {
    const flaky = createFlakyTool();
    const executor = createExecutor([flaky]);
    const input = { target: 'a', options: { retries: 1, depth: 2 } };

    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await run(executor, 'flaky', input)).toMatchObject({
        isError: true,
        modelText: 'The target is unavailable.',
      });
    }
    // Same input with its keys in another order is the same call.
    const fourth = await run(executor, 'flaky', { options: { depth: 2, retries: 1 }, target: 'a' });

    expect(flaky.inputs).toHaveLength(3);
    expect(fourth.isError).toBe(true);
    expect(fourth.modelText).toMatch(/^STOP: flaky has failed 3 times in a row with these same arguments\./);
    expect(fourth.modelText).toMatch(/Do not retry this call\./);
    expect(fourth.modelText).toMatch(/answer the user directly/);
    expect(fourth.output).toBe(fourth.modelText);
    expect(executor.tripped).toBeNull();
  });

  test('a different input still runs, and so does the same input on another tool', async () => {
    const flaky = createFlakyTool();
    const executor = createExecutor([flaky]);
    for (let attempt = 0; attempt < 3; attempt++) await run(executor, 'flaky', { target: 'a' });

    const other = await run(executor, 'flaky', { target: 'b' });
    expect(other.modelText).toBe('The target is unavailable.');
    expect(flaky.inputs).toEqual([{ target: 'a' }, { target: 'a' }, { target: 'a' }, { target: 'b' }]);

    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await run(executor, 'read_file', { path: 'a' })).modelText).toMatch(/does not exist/);
    }
    expect((await run(executor, 'read_file', { path: 'a' })).modelText).toMatch(/^STOP: read_file /);
  });

  test('a success clears the count for that call', async () => {
    const flaky = createFlakyTool();
    const executor = createExecutor([flaky]);
    for (let attempt = 0; attempt < 2; attempt++) await run(executor, 'flaky', { target: 'a' });
    flaky.failing = false;
    expect((await run(executor, 'flaky', { target: 'a' })).isError).toBe(false);
    flaky.failing = true;

    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await run(executor, 'flaky', { target: 'a' })).modelText).toBe('The target is unavailable.');
    }
    expect(flaky.inputs).toHaveLength(6);
    expect((await run(executor, 'flaky', { target: 'a' })).modelText).toMatch(/^STOP: /);
    expect(flaky.inputs).toHaveLength(6);
  });

  test('a key the schema drops does not make a repeated call new', async () => {
    const flaky = createFlakyTool();
    const executor = createExecutor([flaky]);
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await run(executor, 'flaky', { target: 'a', nonce: attempt })).modelText).toBe(
        'The target is unavailable.',
      );
    }

    const fourth = await run(executor, 'flaky', { target: 'a', nonce: 99 });
    expect(fourth.modelText).toMatch(/^STOP: flaky has failed 3 times/);
    expect(flaky.inputs).toEqual([{ target: 'a' }, { target: 'a' }, { target: 'a' }]);
  });

  test('failures found by validation count too', async () => {
    const executor = createExecutor();
    const input = { path: 'a.txt', offset: 0 };
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await run(executor, 'read_file', input)).modelText).toMatch(/^Invalid input for read_file/);
    }
    expect((await run(executor, 'read_file', input)).modelText).toMatch(/^STOP: /);
  });
});

describe('empty tool calls', () => {
  test('empty calls get guidance; the 5th in a row trips the breaker with a retryable error', async () => {
    const executor = createExecutor();
    const empties: unknown[] = [{}, null, undefined, { append: true }];

    for (const input of empties) {
      const outcome = await run(executor, 'write_file', input);
      expect(outcome.isError).toBe(true);
      expect(outcome.modelText).toMatch(/^Your call to write_file arrived with empty arguments/);
      expect(outcome.modelText).toMatch(/path, content are required/);
      expect(outcome.modelText).toMatch(/append: true/);
      expect(executor.tripped).toBeNull();
    }
    const fifth = await run(executor, 'read_file', {});

    expect(fifth.isError).toBe(true);
    expect(fifth.modelText).toMatch(
      /^This turn is ending: 5 tool calls in a row arrived with empty arguments/,
    );
    expect(executor.tripped).toMatchObject({
      code: 'circuit_breaker_empty_tool_calls',
      retryable: true,
      expose: true,
      message: expect.stringMatching(/try again/),
    });
    // Once tripped, nothing runs any more, not even a well-formed call.
    const after = await run(executor, 'write_file', { path: 'late.txt', content: 'x' });
    expect(after.isError).toBe(true);
    expect(after.modelText).toMatch(/^This turn is ending/);
    await expect(readFile(join(workspaceDir, 'late.txt'))).rejects.toThrow();
  });

  test('a non-empty call resets the count', async () => {
    const executor = createExecutor();
    for (let index = 0; index < 4; index++) await run(executor, 'write_file', {});
    expect((await run(executor, 'write_file', { path: 'a.txt', content: 'A' })).isError).toBe(false);
    for (let index = 0; index < 4; index++) await run(executor, 'read_file', {});
    expect(executor.tripped).toBeNull();

    await run(executor, 'read_file', null);
    expect(executor.tripped?.code).toBe('circuit_breaker_empty_tool_calls');
  });

  test('{} to a tool without required fields is a real call, not an empty one', async () => {
    const executor = createExecutor();
    for (let index = 0; index < 6; index++) {
      expect(await run(executor, 'list_files', {})).toMatchObject({ isError: false });
    }
    expect(executor.tripped).toBeNull();
  });

  test('a partly filled call is not empty: it is validated as usual', async () => {
    const executor = createExecutor();
    const partial = await run(executor, 'write_file', { path: 'a.txt' });
    expect(partial.modelText).toMatch(/^Invalid input for write_file: content: /);
  });
});

describe('resetBreakers', () => {
  test('clears a trip, the empty-call count and the failure counts', async () => {
    const flaky = createFlakyTool();
    const executor = createExecutor([flaky]);
    for (let index = 0; index < 3; index++) await run(executor, 'flaky', { target: 'a' });
    for (let index = 0; index < 5; index++) await run(executor, 'write_file', {});
    expect(executor.tripped).not.toBeNull();

    executor.resetBreakers();

    expect(executor.tripped).toBeNull();
    expect((await run(executor, 'flaky', { target: 'a' })).modelText).toBe('The target is unavailable.');
    expect(flaky.inputs).toHaveLength(4);
    for (let index = 0; index < 4; index++) await run(executor, 'write_file', {});
    expect(executor.tripped).toBeNull();
    expect((await run(executor, 'write_file', { path: 'b.txt', content: 'B' })).isError).toBe(false);
    expect(await readFile(join(workspaceDir, 'b.txt'), 'utf8')).toBe('B');
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});
