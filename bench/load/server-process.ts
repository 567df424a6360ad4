import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Linux reports CPU time in clock ticks; 100 per second on every kernel this runs on. */
const ticksPerSecond = 100;

export interface ServerUsage {
  /** User plus system CPU time of the server process, in milliseconds. */
  cpuMs: number;
  /** VmHWM: the highest resident set the process has had, in MiB. */
  peakRssMb: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  readUsage(): Promise<ServerUsage>;
  close(): Promise<void>;
}

/**
 * `autopilot serve` in its own process (baseline runtime, against the given fake), so its CPU and
 * memory can be read from /proc apart from the load generator's.
 */
export async function startServerProcess(options: {
  modelUrl: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  // `AUTOPILOT_BENCH_SERVER_ROOT=<checkout>` runs another checkout's server (a before/after pair).
  const root = process.env.AUTOPILOT_BENCH_SERVER_ROOT ?? join(import.meta.dirname, '..', '..');
  const dataDir = await mkdtemp(join(tmpdir(), 'autopilot-load-'));
  const port = await findFreePort();
  const child = spawn(
    join(root, 'node_modules', '.bin', 'node'),
    [...(await startNodeFlags(root)), join(root, 'bin', 'autopilot.mjs'), 'serve'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        ANTHROPIC_API_KEY: 'load-key',
        ANTHROPIC_BASE_URL: options.modelUrl,
        AUTOPILOT_MODEL: 'claude-load',
        AUTOPILOT_RUNTIME: 'baseline',
        AUTOPILOT_DATA_DIR: dataDir,
        AUTOPILOT_HOST: '127.0.0.1',
        AUTOPILOT_PORT: String(port),
        AUTOPILOT_LOG_LEVEL: 'warn',
        // `AUTOPILOT_BENCH_CPU_PROF=<dir>` writes the server's V8 CPU profile there, to choose the work.
        ...(process.env.AUTOPILOT_BENCH_CPU_PROF
          ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.AUTOPILOT_BENCH_CPU_PROF}` }
          : {}),
        ...options.env,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilHealthy({ url, child });
  const pid = child.pid!;
  return {
    url,
    pid,
    readUsage: () => readServerUsage(pid),
    async close() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const stoppingAt = performance.now();
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(60_000).then(() => child.kill('SIGKILL'))]);
      console.error(`server exited ${((performance.now() - stoppingAt) / 1000).toFixed(1)} s after SIGTERM`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The Node flags `npm start` gives the server (package.json's `start` script), so the bench runs
 * the server as it is started; an older checkout's script, without any, gives none.
 */
export async function startNodeFlags(root: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const start = manifest.scripts?.start ?? '';
  const match = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+bin\/autopilot\.mjs serve\b/.exec(start);
  if (!match)
    throw new Error(`package.json's start script does not run \`node … bin/autopilot.mjs serve\`: ${start}`);
  return match[1]!.split(/\s+/).filter(Boolean);
}

export async function readServerUsage(pid: number): Promise<ServerUsage> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const peakKib = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  return { cpuMs: (ticks * 1000) / ticksPerSecond, peakRssMb: peakKib / 1024 };
}

async function waitUntilHealthy(options: { url: string; child: ChildProcess }): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (options.child.exitCode !== null) throw new Error(`the server exited with ${options.child.exitCode}`);
    try {
      if ((await fetch(`${options.url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error('the server did not become healthy within 60 s');
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
