import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarise } from '../stats.ts';
import { measureDirectTurn } from './measure-load-turn.ts';
import { loadDeltaCount, loadPrompt, startPacedFake } from './paced-fake.ts';
import { readServerUsage } from './server-process.ts';

/**
 * `tsx bench/load/relay-floor-main.ts [turns] [rounds]`: K concurrent streams of the paced fake
 * relayed by the bare Node relay (`bare-relay.ts`) in its own process; its CPU per delta, read
 * from /proc like the load bench's server figure, is what relaying a delta costs any Node process
 * on this machine, before storage, parsing or fan-out.
 */
const turns = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);
const fake = await startPacedFake();
const root = join(import.meta.dirname, '..', '..');
const child = spawn(
  join(root, 'node_modules', '.bin', 'node'),
  [
    // `AUTOPILOT_BENCH_CPU_PROF=<dir>` writes the relay's CPU profile there, as for the server.
    ...(process.env.AUTOPILOT_BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.AUTOPILOT_BENCH_CPU_PROF}`]
      : []),
    join(import.meta.dirname, 'bare-relay-main.ts'),
    fake.url,
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
try {
  const [relayUrl] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  for (let round = 0; round < rounds; round++) {
    const before = await readServerUsage(child.pid!);
    const samples = await Promise.all(
      Array.from({ length: turns }, () =>
        measureDirectTurn({ modelUrl: relayUrl, text: loadPrompt(loadDeltaCount) }),
      ),
    );
    await sleep(200);
    const after = await readServerUsage(child.pid!);
    const deltas = samples.reduce((sum, sample) => sum + sample.deltaDelaysMs.length, 0);
    const delay = summarise(samples.flatMap((sample) => sample.deltaDelaysMs));
    console.log(
      JSON.stringify({
        round,
        turns,
        deltas,
        relayCpuPerDeltaUs: Number((((after.cpuMs - before.cpuMs) * 1000) / deltas).toFixed(1)),
        deltaDelayP50Ms: Number(delay.p50.toFixed(1)),
        deltaDelayP99Ms: Number(delay.p99.toFixed(1)),
      }),
    );
  }
} finally {
  child.stdin!.end();
  await once(child, 'exit');
  await fake.close();
}
