import { setTimeout as sleep } from 'node:timers/promises';
import { summarise } from '../stats.ts';
import { startPacedFake } from './paced-fake.ts';
import { startRelayProcess } from './relay-process.ts';
import { runDirectLoad } from './run-load.ts';

/**
 * `tsx bench/load/relay-floor-main.ts [turns] [rounds]`: K concurrent streams of the paced fake
 * relayed by the bare Node relay (`bare-relay.ts`) in its own process; its CPU per delta, read
 * from /proc like the load bench's server figure, is what relaying a delta costs any Node process
 * on this machine, before storage, parsing or fan-out.
 */
const turns = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);
const fake = await startPacedFake();
const relay = await startRelayProcess({ modelUrl: fake.url });
try {
  for (let round = 0; round < rounds; round++) {
    const before = await relay.readUsage();
    const samples = await runDirectLoad({ modelUrl: relay.url, turns });
    await sleep(200);
    const after = await relay.readUsage();
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
  await relay.close();
  await fake.close();
}
