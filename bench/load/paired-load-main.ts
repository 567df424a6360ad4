import { loadDeltaCount, startPacedFake } from './paced-fake.ts';
import { runServerLoad, summariseLoadRun } from './run-load.ts';
import { startServerProcess } from './server-process.ts';

/**
 * `tsx bench/load/paired-load-main.ts <rounds> <turns> <checkout>...`: the load bench's latency
 * figures at one load for several checkouts' servers, alternating within each round, so that a
 * before/after pair shares the machine's state. Prints one JSON line per run. CPU per delta here
 * is the whole run's CPU over the deltas the model sent (turn start-up included).
 */
const rounds = Number(process.argv[2] ?? 3);
const turns = Number(process.argv[3] ?? 500);
const roots = process.argv.slice(4);
const fake = await startPacedFake();
const ms = (value: number) => Number(value.toFixed(1));
try {
  for (let round = 0; round < rounds; round++) {
    for (const root of roots) {
      process.env.AUTOPILOT_BENCH_SERVER_ROOT = root;
      const server = await startServerProcess({ modelUrl: fake.url });
      try {
        await runServerLoad({ server, turns: 20, deltaCount: 1 });
        const run = await runServerLoad({ server, turns, deltaCount: loadDeltaCount });
        const summary = summariseLoadRun(run.samples);
        const usage = await server.readUsage();
        console.log(
          JSON.stringify({
            round,
            root,
            firstTokenP50: ms(summary.firstToken.p50),
            firstTokenP99: ms(summary.firstToken.p99),
            deltaDelayP50: ms(summary.deltaDelay.p50),
            deltaDelayP99: ms(summary.deltaDelay.p99),
            turnRatioP50: Number(summary.turnRatio.p50.toFixed(2)),
            cpuPerDeltaUs: ms((run.cpuMs * 1000) / (turns * loadDeltaCount)),
            peakRssMb: Math.round(usage.peakRssMb),
          }),
        );
      } finally {
        await server.close();
      }
    }
  }
} finally {
  await fake.close();
}
