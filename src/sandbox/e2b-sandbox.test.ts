import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { FakeE2bClient, FakeE2bWorld } from '../../test/support/fake-e2b-client.ts';
import { readDiskRoom } from '../util/disk-floor.ts';
import { createLogger } from '../util/logger.ts';
import { describeSandboxConformance } from './conformance/sandbox-conformance.ts';
import type { E2bClient } from './e2b-client.ts';
import { E2bSandbox } from './e2b-sandbox.ts';

const logger = createLogger({ level: 'silent' });

describeSandboxConformance('E2bSandbox (fake E2B client)', async ({ maxOutputBytes }) => {
  const root = await mkdtemp(join(tmpdir(), 'autopilot-fake-e2b-'));
  return {
    sandbox: new E2bSandbox({ client: new FakeE2bClient(new FakeE2bWorld(root)), logger, maxOutputBytes }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('E2bSandbox lifecycle and copying', () => {
  let root = '';
  let workspaceDir = '';
  let outside = '';
  let world: FakeE2bWorld;
  let client: FakeE2bClient;
  let sandbox: E2bSandbox;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'autopilot-e2b-'));
    workspaceDir = join(root, 'workspace');
    outside = join(root, 'outside');
    await mkdir(workspaceDir);
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'host secret');
    world = new FakeE2bWorld(join(root, 'remotes'));
    client = new FakeE2bClient(world);
    sandbox = new E2bSandbox({ client, logger });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const exec = (command: string, sessionId = 's1', on: E2bSandbox = sandbox) =>
    on.exec({
      sessionId,
      workspaceDir,
      command,
      timeoutMs: 10_000,
      signal: new AbortController().signal,
    });

  test('one sandbox per session, paused after a turn, resumed by the next command, killed on delete', async () => {
    await exec('echo one > a.txt');
    await exec('echo two >> a.txt');
    await sandbox.suspend('s1');
    await sandbox.suspend('s1');
    expect(await exec('cat a.txt')).toMatchObject({ stdout: 'one\ntwo\n' });
    await exec('true', 's2');
    await sandbox.remove('s1');
    await sandbox.remove('s1');
    expect(client.calls).toEqual([
      'create sbx-1 s1',
      'connect sbx-1',
      'pause sbx-1',
      'connect sbx-1',
      'create sbx-2 s2',
      'kill sbx-1',
    ]);
    expect(world.alive()).toEqual({ 'sbx-2': 'running' });
  });

  test('after a restart the session finds its sandbox again by its metadata, and delete kills it', async () => {
    // Outside the workspace: only the same remote sandbox still has it.
    await exec('touch ../installed');
    await sandbox.suspend('s1');
    // A new process: it has never seen sbx-1.
    const restarted = new E2bSandbox({ client: new FakeE2bClient(world), logger });
    expect(await exec('ls ../installed', 's1', restarted)).toMatchObject({ exitCode: 0 });
    expect(world.alive()).toEqual({ 'sbx-1': 'running' });
    await restarted.remove('s1');
    expect(world.alive()).toEqual({});
  });

  test('a process that died mid-turn leaves a running sandbox; the next process pauses it after its turn', async () => {
    await exec('true');
    // No suspend: the process died. Its successor picks the sandbox up and ends its turn properly.
    const restarted = new E2bSandbox({ client: new FakeE2bClient(world), logger });
    await exec('true', 's1', restarted);
    await restarted.suspend('s1');
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });
  });

  test('a sandbox E2B has ended is replaced by a new one', async () => {
    await exec('true');
    await client.kill('sbx-1');
    expect(await exec('echo fresh')).toMatchObject({ exitCode: 0, stdout: 'fresh\n' });
    expect(world.alive()).toEqual({ 'sbx-2': 'running' });
  });

  test('suspend waits for a command still running before it pauses', async () => {
    const controller = new AbortController();
    const started = world.nextCommandStarted();
    const running = sandbox.exec({
      sessionId: 's1',
      workspaceDir,
      command: 'sleep 200',
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    await started;
    const suspended = sandbox.suspend('s1');
    controller.abort();
    expect(await running).toMatchObject({ aborted: true });
    await suspended;
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });
  });

  test('an unreachable E2B is sandbox_unavailable, and nothing runs', async () => {
    const unreachable: E2bClient = {
      create: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      connect: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      pause: async () => undefined,
      kill: async () => undefined,
      list: async () => [],
    };
    const offline = new E2bSandbox({ client: unreachable, logger });
    await expect(exec('touch ran', 's1', offline)).rejects.toMatchObject({ code: 'sandbox_unavailable' });
    await expect(lstat(join(workspaceDir, 'ran'))).rejects.toThrow();
  });

  test('files written and deleted remotely show on the host; nothing else does', async () => {
    await writeFile(join(workspaceDir, 'old.txt'), 'old');
    await writeFile(join(workspaceDir, 'keep.txt'), 'keep');
    const result = await exec('rm old.txt; mkdir -p src && echo made > src/new.txt; cat keep.txt');
    expect(result).toMatchObject({ exitCode: 0, stdout: 'keep' });
    expect(await readFile(join(workspaceDir, 'src/new.txt'), 'utf8')).toBe('made\n');
    await expect(lstat(join(workspaceDir, 'old.txt'))).rejects.toThrow();
  });

  test('the host is the source of truth: a file deleted there does not come back from the sandbox', async () => {
    await exec('echo made > made.txt');
    await unlink(join(workspaceDir, 'made.txt'));
    expect(await exec('ls')).toMatchObject({ stdout: '' });
    await expect(lstat(join(workspaceDir, 'made.txt'))).rejects.toThrow();
  });

  test('a file the command did not touch is not copied back over a write the host made meanwhile', async () => {
    await writeFile(join(workspaceDir, 'notes.txt'), 'first');
    const flag = join(root, 'host-wrote');
    // The fake does not isolate: the command can wait for the host's signal.
    const running = exec(`until [ -e '${flag}' ]; do sleep 0.05; done; echo other > other.txt`);
    // A file tool (another sub-agent) writes while the command runs.
    await world.nextCommandStarted();
    await writeFile(join(workspaceDir, 'notes.txt'), 'second');
    await writeFile(flag, '');
    await running;
    expect(await readFile(join(workspaceDir, 'notes.txt'), 'utf8')).toBe('second');
    expect(await readFile(join(workspaceDir, 'other.txt'), 'utf8')).toBe('other\n');
  });

  test('a file already the same on both sides is not sent again', async () => {
    await writeFile(join(workspaceDir, 'big.txt'), 'large attachment');
    await exec('true');
    await exec('true');
    const uploads = () => world.get('sbx-1')?.uploads.filter((path) => path.endsWith('/big.txt'));
    expect(uploads()).toHaveLength(1);

    // Changed on the host: sent again. Changed by a command: brought back, and then in step.
    await writeFile(join(workspaceDir, 'big.txt'), 'large attachment, edited');
    await exec('echo more >> big.txt');
    await exec('true');
    expect(uploads()).toHaveLength(2);
    expect(await readFile(join(workspaceDir, 'big.txt'), 'utf8')).toBe('large attachment, editedmore\n');

    // A new sandbox knows nothing: everything is sent.
    await client.kill('sbx-1');
    expect(await exec('cat big.txt')).toMatchObject({ stdout: 'large attachment, editedmore\n' });
  });

  test('a file larger than the per-file cap stays remote, so one command cannot fill the host memory or disk', async () => {
    const capped = new E2bSandbox({ client, logger, maxFileBytes: 1024 });
    const result = await exec('head -c 4096 /dev/zero > huge.bin; echo small > small.txt', 's1', capped);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stderr).toContain('"huge.bin" was not copied back');
    expect(await readFile(join(workspaceDir, 'small.txt'), 'utf8')).toBe('small\n');
    await expect(lstat(join(workspaceDir, 'huge.bin'))).rejects.toThrow();
  });

  test('a file that would take the host disk below its floor stays remote, and the command says so', async () => {
    const floor = (await readDiskRoom(workspaceDir)).bytes + 1024 ** 3;
    const capped = new E2bSandbox({ client, logger, minFreeDiskBytes: floor });
    const result = await exec('echo kept > out.txt', 's1', capped);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stderr).toContain('"out.txt" was not copied back');
    expect(result.stderr).toContain("the server's disk is too full to take it");
    await expect(lstat(join(workspaceDir, 'out.txt'))).rejects.toThrow();
  });

  test('a command that makes a flood of files has only the first ones copied back, so the copy-back ends', async () => {
    const capped = new E2bSandbox({ client, logger, maxCopiedFiles: 10 });
    const result = await exec(
      'mkdir flood && cd flood && for i in $(seq 1 30); do echo $i > f$i; done',
      's1',
      capped,
    );
    expect(result.stderr).toContain('20 more changed files were not copied back');
    expect(await readdir(join(workspaceDir, 'flood'))).toHaveLength(10);
  });

  test('a command that replaces a file by a folder still has its files copied back', async () => {
    await writeFile(join(workspaceDir, 'out'), 'a file');
    const replaced = await exec('rm out; mkdir out; echo inside > out/result.txt');
    expect(replaced).toMatchObject({ exitCode: 0 });
    expect(await readFile(join(workspaceDir, 'out/result.txt'), 'utf8')).toBe('inside\n');
    // Office's lock files start with "~", a name the workspace refuses: the model is told it stayed behind.
    expect((await exec("touch '~$report.docx'")).stderr).toContain('"~$report.docx" was not copied back');
  });

  test("a command running beside another keeps its changes: the other one's upload neither deletes nor reverts them", async () => {
    await writeFile(join(workspaceDir, 'f.txt'), 'old');
    await exec('true');
    const wrote = join(root, 'first-wrote');
    const flag = join(root, 'second-ran');
    // Two sub-agents' commands in one session at once: the first changes files, then waits.
    const first = exec(
      `echo new > f.txt; echo made > made.txt; touch '${wrote}'; until [ -e '${flag}' ]; do sleep 0.05; done`,
    );
    while (!(await lstat(wrote).catch(() => null))) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await exec('true')).toMatchObject({ exitCode: 0 });
    await writeFile(flag, '');
    expect(await first).toMatchObject({ exitCode: 0 });
    expect(await readFile(join(workspaceDir, 'f.txt'), 'utf8')).toBe('new\n');
    expect(await readFile(join(workspaceDir, 'made.txt'), 'utf8')).toBe('made\n');
  });

  test('copying back never writes through a host symlink, and remote links stay remote', async () => {
    await symlink(join(outside, 'secret.txt'), join(workspaceDir, 'link.txt'));
    // The host's link is not uploaded; the remote makes a regular file of that name, and links of its own.
    await exec('echo pwned > link.txt; ln -s /etc/passwd passwd');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret');
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect((await lstat(join(workspaceDir, 'link.txt'))).isSymbolicLink()).toBe(true);
    await expect(lstat(join(workspaceDir, 'passwd'))).rejects.toThrow();
  });
});
