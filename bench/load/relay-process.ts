import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readServerUsage, type ServerUsage } from './server-process.ts';

export interface RelayProcess {
  url: string;
  readUsage(): Promise<ServerUsage>;
  close(): Promise<void>;
}

/**
 * The bare Node relay (`bare-relay.ts`) in a process of its own, in front of the model at
 * `modelUrl`, so that its CPU and peak RSS come from /proc as the server's do.
 * `AUTOPILOT_BENCH_CPU_PROF=<dir>` writes its CPU profile there, as for the server.
 */
export async function startRelayProcess(options: { modelUrl: string }): Promise<RelayProcess> {
  const root = join(import.meta.dirname, '..', '..');
  const child = spawn(
    join(root, 'node_modules', '.bin', 'node'),
    [
      ...(process.env.AUTOPILOT_BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.AUTOPILOT_BENCH_CPU_PROF}`]
        : []),
      join(import.meta.dirname, 'bare-relay-main.ts'),
      options.modelUrl,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const [url] = await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line') as Promise<[string]>,
    exited.then(() => Promise.reject(new Error('the bare relay exited before it listened'))),
  ]);
  return {
    url,
    readUsage: () => readServerUsage(child.pid!),
    async close() {
      child.stdin!.end();
      await exited;
    },
  };
}
