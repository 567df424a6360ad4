import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Sandbox, SandboxExecRequest } from '../sandbox.ts';

export type SandboxFactory = (options: { maxOutputBytes: number }) => Promise<{
  sandbox: Sandbox;
  cleanup: () => Promise<void>;
}>;

const maxOutputBytes = 64 * 1024;
/** Generous: a killed command must end long before it would have, not within a tight bound. */
const killedWithinMs = 20_000;

/** The behaviour every Sandbox must have: the workspace shared with the host, exit codes, timeouts, aborts, caps. */
export function describeSandboxConformance(name: string, makeSandbox: SandboxFactory): void {
  describe(`Sandbox conformance: ${name}`, () => {
    let current: Awaited<ReturnType<SandboxFactory>> | undefined;
    let base = '';
    let workspaceDir = '';

    beforeEach(async () => {
      base = await mkdtemp(join(tmpdir(), 'autopilot-sandbox-'));
      workspaceDir = join(base, 'workspace');
      // Private, as the server makes workspaces.
      await mkdir(workspaceDir, { mode: 0o700 });
      current = await makeSandbox({ maxOutputBytes });
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
      await rm(base, { recursive: true, force: true });
    });

    const exec = (command: string, overrides: Partial<SandboxExecRequest> = {}) => {
      if (!current) throw new Error('The sandbox is only available inside a test.');
      return current.sandbox.exec({
        sessionId: 'conformance-session',
        workspaceDir,
        command,
        timeoutMs: 10_000,
        signal: new AbortController().signal,
        ...overrides,
      });
    };

    test('runs in the workspace: a file it writes is on the host, and it reads what the host put there', async () => {
      await writeFile(join(workspaceDir, 'in.txt'), 'from host');
      const result = await exec('cat in.txt; printf "from sandbox" > out.txt');

      expect(result).toMatchObject({ exitCode: 0, stdout: 'from host', timedOut: false, truncated: false });
      expect(await readFile(join(workspaceDir, 'out.txt'), 'utf8')).toBe('from sandbox');
    });

    test('reports the exit code and keeps stdout and stderr apart', async () => {
      const result = await exec('echo out; echo err >&2; exit 3');
      expect(result).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    });

    test('the server environment is not visible', async () => {
      process.env.AUTOPILOT_SANDBOX_CANARY = 'canary-value-5d1f';
      try {
        const result = await exec('env; cat /proc/1/environ 2>/dev/null | tr "\\0" "\\n"');
        expect(result.exitCode).toBe(0);
        expect(result.stdout).not.toContain('canary-value-5d1f');
      } finally {
        delete process.env.AUTOPILOT_SANDBOX_CANARY;
      }
    });

    test('a command past its timeout is killed, with what it printed kept', async () => {
      const started = Date.now();
      const result = await exec('echo before; sleep 200; echo after', { timeoutMs: 1_000 });

      expect(Date.now() - started).toBeLessThan(killedWithinMs);
      expect(result).toMatchObject({ exitCode: null, timedOut: true, stdout: 'before\n' });
    });

    test('an abort kills the command at once', async () => {
      const controller = new AbortController();
      const started = Date.now();
      const running = exec('sleep 200', { signal: controller.signal, timeoutMs: 60_000 });
      setTimeout(() => controller.abort(), 500);
      const result = await running;

      expect(Date.now() - started).toBeLessThan(killedWithinMs);
      expect(result).toMatchObject({ exitCode: null, aborted: true, timedOut: false });
    });

    test('an already aborted signal runs nothing', async () => {
      const controller = new AbortController();
      controller.abort();
      const result = await exec('touch ran.txt', { signal: controller.signal });

      expect(result.aborted).toBe(true);
      await expect(readFile(join(workspaceDir, 'ran.txt'))).rejects.toThrow();
    });

    test('output over the cap is cut and flagged', async () => {
      const result = await exec(`head -c ${maxOutputBytes * 4} /dev/zero | tr '\\0' a`);

      expect(result.exitCode).toBe(0);
      expect(result.truncated).toBe(true);
      expect(result.stdout).toBe('a'.repeat(maxOutputBytes));
    });

    test('suspend and remove are idempotent, and a removed session can run again', async () => {
      const sandbox = current!.sandbox;
      await exec('true');
      await sandbox.suspend('conformance-session');
      await sandbox.suspend('conformance-session');
      expect(await exec('echo again')).toMatchObject({ exitCode: 0, stdout: 'again\n' });
      await sandbox.remove('conformance-session');
      await sandbox.remove('conformance-session');
      expect(await exec('echo fresh')).toMatchObject({ exitCode: 0, stdout: 'fresh\n' });
    });
  });
}
