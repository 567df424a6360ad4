import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import {
  type DiskFloor,
  DiskFullError,
  DiskWatch,
  defaultMinFreeDiskBytes,
  readDiskRoom,
  shortfallOf,
} from '../util/disk-floor.ts';
import type { Logger } from '../util/logger.ts';
import { BoundedOutput } from './bounded-output.ts';
import {
  defaultTmpBytes,
  environmentArguments,
  isolationArguments,
  privateTmpArguments,
  sandboxPath,
  systemArguments,
  userDropArguments,
} from './bwrap-arguments.ts';
import { CommandDeadline } from './command-deadline.ts';
import {
  type Sandbox,
  type SandboxExecRequest,
  type SandboxExecResult,
  SandboxUnavailableError,
} from './sandbox.ts';
import { handOver, runsAsRoot, sandboxUidOf } from './sandbox-user.ts';
import { seccompArguments, seccompFilter, writeAndClose } from './seccomp-filter.ts';

export interface BubblewrapLimits {
  processes: number;
  /** Address space per process. */
  memoryBytes: number;
  /** The largest file a command may write. */
  fileBytes: number;
  openFiles: number;
  /** The size of the command's private /tmp (a tmpfs: memory). */
  tmpBytes: number;
  /**
   * Free space kept on the disk that holds the workspaces: below it no command starts, and one
   * that is running is killed.
   */
  minFreeDiskBytes: number;
  /** Entries for new files (inodes) kept free on that disk; 1% of the disk's by default. */
  minFreeInodes?: number;
}

const defaultLimits: BubblewrapLimits = {
  processes: 256,
  memoryBytes: 2 * 1024 ** 3,
  fileBytes: 1024 ** 3,
  openFiles: 1024,
  tmpBytes: defaultTmpBytes,
  minFreeDiskBytes: defaultMinFreeDiskBytes,
};

/** Where the workspace appears inside the sandbox. */
export const sandboxWorkspace = '/workspace';
/** Written by the sandbox's own first command: bwrap's setup succeeded and the command starts. */
const startedMarker = '.';
/** The child's fd that carries the seccomp filter to bwrap (fd 3 reports the start). */
const filterFd = 4;

/**
 * Runs commands under bubblewrap: no network, a private pid/ipc/uts namespace, the system
 * read-only, a private /tmp, the workspace the only writable host folder, all capabilities
 * dropped, a cleared environment, and rlimits. Never runs a command unconfined.
 */
export class BubblewrapSandbox implements Sandbox {
  readonly kind = 'bubblewrap';
  readonly description =
    'There is no network access, the system is read-only, /tmp is private and emptied after each call, ' +
    'and background processes end with the command.';
  readonly #logger: Logger;
  readonly #bwrapPath: string;
  readonly #limits: BubblewrapLimits;
  readonly #maxOutputBytes: number;
  /** As root, bwrap runs privileged and the command drops to a per-session uid (see sandbox-user.ts). */
  readonly #asRoot = runsAsRoot();

  constructor(options: {
    logger: Logger;
    bwrapPath?: string;
    limits?: Partial<BubblewrapLimits>;
    /** Per stream; what is kept beyond the model's cap is saved in the workspace by the executor. */
    maxOutputBytes?: number;
  }) {
    this.#logger = options.logger;
    this.#bwrapPath = options.bwrapPath ?? 'bwrap';
    this.#limits = { ...defaultLimits, ...options.limits };
    this.#maxOutputBytes = options.maxOutputBytes ?? 10 * 1024 * 1024;
    if (!seccompFilter && this.#asRoot) {
      this.#logger.warn(
        { arch: process.arch },
        'no seccomp filter is known for this architecture: commands can make user namespaces (run the server as a non-root user to have bubblewrap refuse them)',
      );
    }
  }

  async exec(request: SandboxExecRequest): Promise<SandboxExecResult> {
    const workspace = await realpath(request.workspaceDir);
    const room = await readDiskRoom(workspace);
    const floor = {
      minFreeBytes: this.#limits.minFreeDiskBytes,
      minFreeInodes: this.#limits.minFreeInodes ?? room.inodeFloor,
    };
    const shortfall = shortfallOf(room, floor);
    if (shortfall !== null) throw new DiskFullError(shortfall);
    const uid = this.#asRoot ? sandboxUidOf(request.sessionId) : null;
    if (uid !== null) await handOver({ folders: [workspace], uid });
    return this.#run({ request, workspace, floor, args: this.#arguments({ request, workspace, uid }) });
  }

  async suspend(): Promise<void> {}

  async remove(): Promise<void> {}

  #arguments(options: { request: SandboxExecRequest; workspace: string; uid: number | null }): string[] {
    const { request, workspace, uid } = options;
    const limits = this.#limits;
    const cpuSeconds = Math.ceil(request.timeoutMs / 1000) + 1;
    const prlimit = [
      '/usr/bin/prlimit',
      `--nproc=${limits.processes}`,
      `--as=${limits.memoryBytes}`,
      `--fsize=${limits.fileBytes}`,
      `--nofile=${limits.openFiles}`,
      `--cpu=${cpuSeconds}`,
      '--core=0',
      '--',
    ];
    const drop = userDropArguments(uid);
    // The first shell reports that setup succeeded on fd 3, closes it, and hands over to the command.
    // It enters the workspace itself: bwrap's own chdir runs before the drop to the session's uid,
    // without the capabilities to enter a folder that uid owns.
    const starter = [
      '/bin/sh',
      '-c',
      `printf '${startedMarker}' >&3; exec 3>&-; cd ${sandboxWorkspace} && exec /bin/sh -c "$1"`,
      'sh',
    ];
    return [
      ...isolationArguments({ network: false, userNamespace: uid === null }),
      ...seccompArguments(filterFd),
      ...drop.bwrap,
      ...environmentArguments({
        PATH: sandboxPath,
        HOME: sandboxWorkspace,
        TMPDIR: '/tmp',
        LANG: 'C.UTF-8',
      }),
      ...systemArguments({ network: false }),
      ...privateTmpArguments(limits.tmpBytes),
      '--bind',
      workspace,
      sandboxWorkspace,
      '--',
      ...prlimit,
      ...drop.command,
      ...starter,
      request.command,
    ];
  }

  #run(options: {
    request: SandboxExecRequest;
    workspace: string;
    floor: DiskFloor;
    args: string[];
  }): Promise<SandboxExecResult> {
    const { request, args } = options;
    return new Promise((resolve, reject) => {
      if (request.signal.aborted) {
        resolve({ exitCode: null, stdout: '', stderr: '', timedOut: false, aborted: true, truncated: false });
        return;
      }
      // Its own process group: a timeout or an abort kills bwrap and, through it, the whole tree.
      const child = spawn(this.#bwrapPath, args, {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe', seccompFilter ? 'pipe' : 'ignore'],
        env: {},
      });
      if (seccompFilter) writeAndClose(child.stdio[filterFd] as Writable | null, seccompFilter);
      const stdout = new BoundedOutput(this.#maxOutputBytes);
      const stderr = new BoundedOutput(this.#maxOutputBytes);
      let started = false;
      const kill = () => {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      };
      const deadline = new CommandDeadline({ timeoutMs: request.timeoutMs, signal: request.signal, kill });
      const disk = new DiskWatch({ path: options.workspace, floor: options.floor, onLow: kill });
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      const startPipe = child.stdio[3];
      startPipe?.on('data', () => {
        started = true;
      });
      startPipe?.on('error', () => {});
      child.once('error', (error) => {
        deadline.dispose();
        disk.dispose();
        this.#logger.error({ err: error }, 'bubblewrap could not be started');
        reject(new SandboxUnavailableError('bubblewrap (bwrap) is not installed or cannot be run here.'));
      });
      child.once('close', (code, signal) => {
        deadline.dispose();
        disk.dispose();
        const { timedOut, aborted } = deadline;
        // Only a command the watch killed: one that had ended by then ended on its own.
        const diskFull = signal !== null ? disk.shortfall : null;
        if (!started && !timedOut && !aborted && diskFull === null) {
          this.#logger.error(
            { exitCode: code, stderr: stderr.text().slice(0, 2000) },
            'bubblewrap setup failed',
          );
          reject(
            new SandboxUnavailableError('The command sandbox (bubblewrap) cannot be set up on this host.'),
          );
          return;
        }
        resolve({
          exitCode: timedOut || aborted || diskFull !== null ? null : code,
          stdout: stdout.text(),
          stderr: stderr.text(),
          timedOut,
          aborted,
          truncated: stdout.truncated || stderr.truncated,
          ...(diskFull !== null ? { diskFull } : {}),
        });
      });
    });
  }
}
