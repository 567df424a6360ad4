import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createLogger } from '../util/logger.ts';
import { createGrepTool } from './grep.ts';
import { ToolExecutor } from './tool-executor.ts';

let workspaceDir = '';
afterEach(async () => {
  if (workspaceDir) await rm(workspaceDir, { recursive: true, force: true });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU time (user + system, every thread of this process) spent during `ms` of waiting, in ms. */
async function cpuMsDuring(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

test('a stop during a catastrophic grep ends the search at once and leaves no core spinning', async () => {
  workspaceDir = await mkdtemp(join(tmpdir(), 'autopilot-grep-abort-'));
  await writeFile(join(workspaceDir, 'evil.txt'), `${'a'.repeat(40)}!\n`);
  const controller = new AbortController();
  const executor = new ToolExecutor({
    tools: [createGrepTool({ matchTimeoutMs: 10_000 })],
    context: {
      sessionId: 'session-1',
      turnId: 'turn-1',
      workspaceDir,
      signal: controller.signal,
      logger: createLogger({ level: 'silent' }),
    },
  });

  const call = executor.execute({ toolCallId: 'call-1', toolName: 'grep', input: { pattern: '^(a+)+$' } });
  // The worker is now busy with the pattern: it burns CPU until it is terminated.
  expect(await cpuMsDuring(400)).toBeGreaterThan(100);
  controller.abort();
  const outcome = await call;

  expect(outcome).toMatchObject({ isError: true });
  // Generous: an idle process uses a few ms; a worker left running would use most of the window.
  expect(await cpuMsDuring(1_500)).toBeLessThan(400);

  // A stopped turn runs no further tool.
  const after = await executor.execute({ toolCallId: 'call-2', toolName: 'grep', input: { pattern: 'a' } });
  expect(after).toMatchObject({ isError: true, modelText: expect.stringMatching(/stopped/) });
});
