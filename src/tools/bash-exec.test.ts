import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BubblewrapSandbox } from '../sandbox/bubblewrap-sandbox.ts';
import {
  type Sandbox,
  type SandboxExecRequest,
  type SandboxExecResult,
  SandboxUnavailableError,
} from '../sandbox/sandbox.ts';
import { DiskFullError, shortfallOf } from '../util/disk-floor.ts';
import { createLogger } from '../util/logger.ts';
import { createBashExecTool } from './bash-exec.ts';
import { createDefaultTools } from './default-tools.ts';
import { useToolWorkspace } from './tool-test-workspace.ts';

/** Records each request and answers with a fixed result (or failure). */
class RecordingSandbox implements Sandbox {
  readonly kind = 'recording';
  readonly description = 'It is a recording sandbox.';
  readonly requests: SandboxExecRequest[] = [];
  private readonly answer: () => Promise<SandboxExecResult>;
  constructor(answer: () => Promise<SandboxExecResult>) {
    this.answer = answer;
  }
  exec(request: SandboxExecRequest): Promise<SandboxExecResult> {
    this.requests.push(request);
    return this.answer();
  }
  async suspend(): Promise<void> {}
  async remove(): Promise<void> {}
}

const ok: SandboxExecResult = {
  exitCode: 0,
  stdout: 'out',
  stderr: '',
  timedOut: false,
  aborted: false,
  truncated: false,
};

test("the model is told about the sandbox its commands run in, in that sandbox's words", () => {
  const tool = createBashExecTool({ sandbox: new RecordingSandbox(async () => ok) });
  expect(tool.description).toContain(
    '(the same files the file tools see). It is a recording sandbox. The timeout',
  );
});

describe('bash_exec timeouts', () => {
  const sandbox = new RecordingSandbox(async () => ok);
  const workspace = useToolWorkspace({ tools: () => [createBashExecTool({ sandbox })] });

  test.each([
    [undefined, 30_000],
    [5, 5_000],
    [120, 120_000],
    [200, 120_000],
    [100_000, 120_000],
    [0.01, 1_000],
  ])('timeoutSeconds %s runs with a %i ms timeout', async (timeoutSeconds, expected) => {
    const outcome = await workspace.run('bash_exec', { command: 'true', timeoutSeconds });
    expect(outcome.isError).toBe(false);
    expect(sandbox.requests.at(-1)).toMatchObject({
      timeoutMs: expected,
      command: 'true',
      sessionId: 'session-1',
      workspaceDir: workspace.workspaceDir,
    });
  });

  test('a negative or non-numeric timeout is refused without running', async () => {
    const before = sandbox.requests.length;
    for (const timeoutSeconds of [-1, 'ten']) {
      const outcome = await workspace.run('bash_exec', { command: 'true', timeoutSeconds });
      expect(outcome.isError).toBe(true);
    }
    expect(sandbox.requests.length).toBe(before);
  });
});

describe('bash_exec without a sandbox', () => {
  const sandbox = new RecordingSandbox(async () => {
    throw new SandboxUnavailableError('bwrap is missing.');
  });
  const workspace = useToolWorkspace({ tools: () => [createBashExecTool({ sandbox })] });

  test('answers sandbox_unavailable as a tool error', async () => {
    const outcome = await workspace.run('bash_exec', { command: 'echo hi' });
    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toContain('sandbox_unavailable');
  });
});

describe('bash_exec on a nearly full disk', () => {
  let answer: () => Promise<SandboxExecResult> = async () => ok;
  const sandbox = new RecordingSandbox(() => answer());
  const workspace = useToolWorkspace({ tools: () => [createBashExecTool({ sandbox })] });

  test('a command refused for want of space is a disk_full tool error that says what to do', async () => {
    answer = async () => {
      throw new DiskFullError(
        shortfallOf(
          { bytes: 300 * 1024 ** 2, inodes: 10_000 },
          { minFreeBytes: 1024 ** 3, minFreeInodes: 0 },
        ) ?? '',
      );
    };
    const outcome = await workspace.run('bash_exec', { command: 'echo hi' });
    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toContain('disk_full');
    expect(outcome.modelText).toContain('300 MB free');
    // The disk is shared: the model is not sent to delete the user's files for another session's use.
    expect(outcome.modelText).toContain('this session may not be the cause');
    expect(outcome.modelText).toContain("never the user's own files");
  });

  test('a command killed at the floor is an error with a note, and keeps its output', async () => {
    answer = async () => ({
      ...ok,
      exitCode: null,
      diskFull: "the server's disk is nearly full (900 MB free; it keeps 1,024 MB free)",
    });
    const outcome = await workspace.run('bash_exec', { command: 'yes > y.txt' });
    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toContain(
      "killed: the server's disk is nearly full (900 MB free; it keeps 1,024 MB free)",
    );
    expect(outcome.modelText).toContain('out');
  });
});

describe('bash_exec under bubblewrap', () => {
  const logger = createLogger({ level: 'silent' });
  const workspace = useToolWorkspace({
    tools: () => createDefaultTools({ sandbox: new BubblewrapSandbox({ logger }) }),
  });

  test('is one of the default tools and shares the workspace with the file tools', async () => {
    await workspace.run('write_file', { path: 'notes/a.txt', content: 'written by a tool\n' });
    const outcome = await workspace.run('bash_exec', {
      command: 'cat notes/a.txt; echo more >> notes/a.txt',
    });
    expect(outcome).toMatchObject({
      isError: false,
      output: { exitCode: 0, stdout: 'written by a tool\n', stderr: '', timedOut: false, truncated: false },
    });
    expect(await readFile(join(workspace.workspaceDir, 'notes/a.txt'), 'utf8')).toBe(
      'written by a tool\nmore\n',
    );
  });

  test('a non-zero exit is reported, not turned into a failure', async () => {
    const outcome = await workspace.run('bash_exec', { command: 'ls missing-file' });
    expect(outcome.isError).toBe(false);
    expect(outcome.output).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('missing-file') });
  });

  test('output over the model cap is cut, and the whole of it is saved in the workspace', async () => {
    const outcome = await workspace.run('bash_exec', { command: 'seq 1 100000' });
    expect(outcome.isError).toBe(false);
    const saved = /saved in the workspace at "([^"]+)"/.exec(outcome.modelText)?.[1];
    expect(saved).toBeDefined();
    expect(outcome.modelText.length).toBeLessThanOrEqual(70_000);
    const whole = JSON.parse(await readFile(join(workspace.workspaceDir, saved!), 'utf8'));
    expect(whole.stdout.split('\n').slice(-2)).toEqual(['100000', '']);
  });

  test('a command past its timeout is killed and says so', async () => {
    const outcome = await workspace.run('bash_exec', { command: 'sleep 200', timeoutSeconds: 1 });
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toMatchObject({
      exitCode: null,
      timedOut: true,
      note: expect.stringContaining('1 s'),
    });
  });
});
