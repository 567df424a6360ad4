import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  defaultTmpBytes,
  environmentArguments,
  isolationArguments,
  privateTmpArguments,
  systemArguments,
  userDropArguments,
} from './bwrap-arguments.ts';
import { runsAsRoot } from './sandbox-user.ts';
import { seccompArguments, seccompFilter, writeAndClose } from './seccomp-filter.ts';
import { isInside } from './workspace-path.ts';

/** `AUTOPILOT_AGENT_SANDBOX`: whether the agent process itself runs under bubblewrap. */
export type AgentSandboxMode = 'auto' | 'required' | 'off';

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string | undefined>;
  /** Written to the child's fd 3, which is then closed (bwrap's seccomp filter). */
  inputOnFd3?: Buffer;
}

/** Starts `spec` with stdin, stdout and stderr piped, and its fd 3 input written and closed. */
export function spawnProcess(spec: ProcessSpec): ChildProcessByStdio<Writable, Readable, Readable> {
  // Node types the first three pipes only when there are exactly three.
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['pipe', 'pipe', 'pipe', spec.inputOnFd3 ? 'pipe' : 'ignore'],
  }) as ChildProcessByStdio<Writable, Readable, Readable>;
  if (spec.inputOnFd3) writeAndClose(child.stdio[3] as Writable | null, spec.inputOnFd3);
  return child;
}

/**
 * The bwrap command line that runs `spec` with the network kept but a filesystem view of only
 * the system (read-only), the executable's folder (read-only) and the `writable` folders, each at
 * its own path so that paths inside match paths outside.
 */
export function confineProcess(options: {
  spec: ProcessSpec;
  /** Real paths, bound at the same paths inside. */
  writable: string[];
  /** The working folder: a real path, one of `writable` or inside one. */
  cwd: string;
  /** The session's uid when the server runs as root; null otherwise. */
  uid: number | null;
  bwrapPath: string;
}): ProcessSpec {
  const { spec, writable } = options;
  const executable = realpathSync(resolve(spec.cwd ?? '/', spec.command));
  const readOnly = [dirname(executable)];
  assertNoMountBeneathWritable({ writable, readOnly });
  const drop = userDropArguments(options.uid);
  const env = Object.fromEntries(
    Object.entries(spec.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    command: options.bwrapPath,
    args: [
      ...isolationArguments({ network: true, userNamespace: options.uid === null }),
      ...seccompArguments(3),
      ...drop.bwrap,
      ...environmentArguments(env),
      ...systemArguments({ network: true }),
      ...privateTmpArguments(defaultTmpBytes),
      // Folders bwrap makes on the way to a mount point are private (0700) unless made here first.
      ...ancestorsOf([...readOnly, ...writable]).flatMap((path) => ['--perms', '0755', '--dir', path]),
      ...readOnly.flatMap((path) => ['--ro-bind', path, path]),
      ...writable.flatMap((path) => ['--bind', path, path]),
      '--',
      ...drop.command,
      // Entered after the drop to the session's uid: bwrap's own chdir would run without the right to.
      '/bin/sh',
      '-c',
      'cd "$1" && shift && exec "$@"',
      'sh',
      options.cwd,
      executable,
      ...spec.args,
    ],
    cwd: options.cwd,
    env: {},
    ...(seccompFilter ? { inputOnFd3: seccompFilter } : {}),
  };
}

/** Every proper ancestor of `paths` below `/`, parents first, except system folders already there. */
function ancestorsOf(paths: string[]): string[] {
  const ancestors = new Set<string>();
  for (const path of paths) {
    for (let parent = dirname(path); parent !== '/'; parent = dirname(parent)) ancestors.add(parent);
  }
  return [...ancestors]
    .filter((path) => path !== '/tmp' && !isInside({ root: '/usr', path }))
    .sort((a, b) => a.split('/').length - b.split('/').length);
}

/**
 * bwrap before 0.12 follows a symlink planted under a mount destination (CVE-2026-87766): no
 * mount may land inside a folder that the confined process can write, nor contain one.
 */
function assertNoMountBeneathWritable(options: { writable: string[]; readOnly: string[] }): void {
  const all = [...options.writable, ...options.readOnly];
  for (const folder of options.writable) {
    for (const other of all) {
      if (other === folder) continue;
      if (isInside({ root: folder, path: other }) || isInside({ root: other, path: folder })) {
        throw new Error(`Refusing to confine: ${other} and the writable ${folder} are nested.`);
      }
    }
  }
}

/** Whether bwrap can build a networked sandbox here (user namespaces allowed, bwrap installed). */
export async function probeBubblewrap(options: {
  bwrapPath: string;
}): Promise<{ ok: boolean; detail?: string }> {
  const uid = runsAsRoot() ? 65_534 : null;
  const drop = userDropArguments(uid);
  const args = [
    ...isolationArguments({ network: true, userNamespace: uid === null }),
    ...seccompArguments(3),
    ...drop.bwrap,
    ...systemArguments({ network: true }),
    '--',
    ...drop.command,
    '/bin/true',
  ];
  return new Promise((resolve) => {
    const child = spawn(options.bwrapPath, args, {
      stdio: ['ignore', 'ignore', 'pipe', seccompFilter ? 'pipe' : 'ignore'],
      env: {},
      timeout: 10_000,
    });
    if (seccompFilter) writeAndClose(child.stdio[3] as Writable | null, seccompFilter);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.once('error', (error) => resolve({ ok: false, detail: String(error) }));
    child.once('close', (code, signal) => {
      if (code === 0) resolve({ ok: true });
      else resolve({ ok: false, detail: stderr.trim() || `bwrap exited with ${code ?? signal}` });
    });
  });
}

/**
 * What `AUTOPILOT_AGENT_SANDBOX` asks for, given whether bubblewrap works here: the confinement
 * to use, or null (with a warning) where `auto` cannot confine. `required` without a working
 * bubblewrap throws: the agent process must then not run at all.
 */
export async function resolveAgentConfinement(options: {
  mode: AgentSandboxMode;
  bwrapPath: string;
  warn: (details: Record<string, unknown>, message: string) => void;
}): Promise<{ bwrapPath: string } | null> {
  if (options.mode === 'off') return null;
  const probe = await probeBubblewrap({ bwrapPath: options.bwrapPath });
  if (probe.ok) return { bwrapPath: options.bwrapPath };
  if (options.mode === 'required') {
    throw new Error(
      'AUTOPILOT_AGENT_SANDBOX is required (the default when AUTOPILOT_API_TOKENS is set), but bubblewrap ' +
        `cannot confine the Claude Code process here: ${probe.detail}. Install bubblewrap (bwrap) and allow ` +
        'user namespaces, or set AUTOPILOT_AGENT_SANDBOX=off to run it unconfined.',
    );
  }
  options.warn(
    { detail: probe.detail },
    'bubblewrap does not work here: the Claude Code process runs unconfined (AUTOPILOT_AGENT_SANDBOX=auto)',
  );
  return null;
}
