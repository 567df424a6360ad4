import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { BubblewrapSandbox } from '../sandbox/bubblewrap-sandbox.ts';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import { defineTool } from './tool.ts';
import { ToolExecutor } from './tool-executor.ts';

let base: string;
let workspaceDir: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'autopilot-beside-'));
  workspaceDir = join(base, 'workspace');
  await mkdir(workspaceDir);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function executor(signal = new AbortController().signal): ToolExecutor {
  const logger = createLogger({ level: 'silent' });
  return new ToolExecutor({
    tools: createDefaultTools({ sandbox: new BubblewrapSandbox({ logger }) }),
    context: { sessionId: 'beside', turnId: 'turn', workspaceDir, signal, logger },
  });
}

/*
 * A command could swap a folder for a link out of the workspace between a file tool's check of a
 * path and its use of it (the model calls both at once). So no file tool runs while a command does.
 */
describe('file tools called while a command runs', () => {
  test('wait for the command to end, and then see what it left', async () => {
    const tools = executor();
    const command = tools.execute({
      toolCallId: 'command',
      toolName: 'bash_exec',
      input: { command: 'sleep 1; echo done > marker.txt' },
    });
    // Called in the same step, while the command sleeps.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const listing = await tools.execute({ toolCallId: 'list', toolName: 'list_files', input: {} });
    expect((await command).isError).toBe(false);
    expect(listing.modelText).toContain('marker.txt');
  });

  test('a file tool still waiting when the turn stops does not run', async () => {
    await writeFile(join(workspaceDir, 'keep.txt'), 'kept');
    const stop = new AbortController();
    const tools = executor(stop.signal);
    const command = tools.execute({
      toolCallId: 'command',
      toolName: 'bash_exec',
      input: { command: 'sleep 1' },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const deletion = tools.execute({
      toolCallId: 'delete',
      toolName: 'delete_file',
      input: { path: 'keep.txt' },
    });
    stop.abort();
    expect((await deletion).isError).toBe(true);
    await command;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await readFile(join(workspaceDir, 'keep.txt'), 'utf8')).toBe('kept');
  });

  test('a stop does not wait for a command that ignores it', async () => {
    let release!: () => void;
    const stubborn = defineTool({
      name: 'stubborn_command',
      description: 'Holds the workspace until released, whatever its signal says.',
      inputSchema: z.object({}),
      holdsWorkspace: true,
      execute: () => new Promise((resolve) => (release = () => resolve({ output: 'done' }))),
    });
    const stop = new AbortController();
    const logger = createLogger({ level: 'silent' });
    const tools = new ToolExecutor({
      tools: [stubborn],
      context: { sessionId: 'beside', turnId: 'turn', workspaceDir, signal: stop.signal, logger },
    });
    const call = tools.execute({ toolCallId: 'stubborn', toolName: 'stubborn_command', input: {} });
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    expect(await call).toMatchObject({ isError: true, modelText: expect.stringMatching(/stopped/) });
    release();
  });
});
