import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { confineProcess, resolveAgentConfinement, spawnProcess } from './agent-confinement.ts';
import { handOver, runsAsRoot } from './sandbox-user.ts';

describe('resolveAgentConfinement', () => {
  const warnings: string[] = [];
  const warn = (_details: Record<string, unknown>, message: string) => {
    warnings.push(message);
  };

  test('confines where bubblewrap works', async () => {
    expect(await resolveAgentConfinement({ mode: 'auto', bwrapPath: 'bwrap', warn })).toEqual({
      bwrapPath: 'bwrap',
    });
    expect(await resolveAgentConfinement({ mode: 'required', bwrapPath: 'bwrap', warn })).toEqual({
      bwrapPath: 'bwrap',
    });
  });

  test('auto without a working bubblewrap runs unconfined, with a warning', async () => {
    warnings.length = 0;
    expect(await resolveAgentConfinement({ mode: 'auto', bwrapPath: '/nonexistent/bwrap', warn })).toBeNull();
    expect(warnings).toEqual([expect.stringContaining('unconfined')]);
  });

  test('required without a working bubblewrap refuses', async () => {
    await expect(
      resolveAgentConfinement({ mode: 'required', bwrapPath: '/nonexistent/bwrap', warn }),
    ).rejects.toThrow(/AUTOPILOT_AGENT_SANDBOX/);
  });

  test('off never confines', async () => {
    expect(await resolveAgentConfinement({ mode: 'off', bwrapPath: 'bwrap', warn })).toBeNull();
  });
});

describe('confineProcess', () => {
  const spec = { command: '/bin/true', args: ['--flag'], env: { PATH: '/usr/bin', UNSET: undefined } };

  test('binds each folder at its own path, with the environment given and nothing else', () => {
    const confined = confineProcess({
      spec,
      writable: ['/srv/data/claude/abc', '/srv/data/workspaces/abc'],
      cwd: '/srv/data/workspaces/abc',
      uid: null,
      bwrapPath: 'bwrap',
    });
    const args = confined.args.join(' ');
    expect(confined.command).toBe('bwrap');
    expect(confined.env).toEqual({});
    expect(args).toContain('--bind /srv/data/claude/abc /srv/data/claude/abc');
    expect(args).toContain('--bind /srv/data/workspaces/abc /srv/data/workspaces/abc');
    expect(args).toContain('--clearenv');
    expect(args).toContain('--setenv PATH /usr/bin');
    expect(args).not.toContain('UNSET');
    expect(args).not.toContain('--unshare-net');
    expect(confined.args.slice(-2)).toEqual(['/usr/bin/true', '--flag']);
  });

  test('refuses to mount anything beneath a writable folder', () => {
    expect(() =>
      confineProcess({
        spec,
        writable: ['/srv/data', '/srv/data/workspaces/abc'],
        cwd: '/srv/data/workspaces/abc',
        uid: null,
        bwrapPath: 'bwrap',
      }),
    ).toThrow(/nested/);
  });
});

describe('a confined process, run as the Claude runtime starts it', () => {
  /** Runs `command` confined to a fresh folder; its exit code and output. */
  const runConfined = async (command: string) => {
    const folder = await realpath(await mkdtemp(join(tmpdir(), 'autopilot-confined-')));
    try {
      const uid = runsAsRoot() ? 65_533 : null;
      if (uid !== null) await handOver({ folders: [folder], uid });
      const spec = confineProcess({
        spec: { command: '/bin/sh', args: ['-c', command], env: { PATH: '/usr/bin:/bin' } },
        writable: [folder],
        cwd: folder,
        uid,
        bwrapPath: 'bwrap',
      });
      const child = spawnProcess(spec);
      child.stdin.end();
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        output += text;
      });
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        output += text;
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { code, output };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  };

  test('runs, and cannot make a user namespace', async () => {
    expect(await runConfined('echo confined')).toEqual({ code: 0, output: 'confined\n' });
    const attempt = await runConfined('unshare -Ur true');
    expect(attempt.code).not.toBe(0);
    expect(attempt.output).toContain('Operation not permitted');
  });

  test('has a private /tmp of a bounded size, not half the machine memory', async () => {
    expect(await runConfined("df -k /tmp | tail -1 | awk '{print $2}'")).toEqual({
      code: 0,
      output: `${512 * 1024}\n`,
    });
  });
});
