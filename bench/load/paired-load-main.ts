import { alternateCheckouts } from './alternate-checkouts.ts';
import { loadDeltaCount } from './paced-fake.ts';
import { runServerLoad, summariseLoadRun } from './run-load.ts';

/**
 * `tsx bench/load/paired-load-main.ts <rounds> <turns> <checkout>...`: the load bench's latency
 * figures at one load for several checkouts' servers, alternating within each round, so that a
 * before/after pair shares the machine's state. Prints one JSON line per run. CPU per delta here
 * is the whole run's CPU over the deltas the model sent (turn start-up included).
 */
const turns = Number(process.argv[3] ?? 500);
const ms = (value: number) => Number(value.toFixed(1));
await alternateCheckouts({
  rounds: Number(process.argv[2] ?? 3),
  roots: process.argv.slice(4),
  async measure(server) {
    const run = await runServerLoad({ server, turns, deltaCount: loadDeltaCount });
    const summary = summariseLoadRun(run.samples);
    const usage = await server.readUsage();
    return {
      firstTokenP50: ms(summary.firstToken.p50),
      firstTokenP99: ms(summary.firstToken.p99),
      deltaDelayP50: ms(summary.deltaDelay.p50),
      deltaDelayP99: ms(summary.deltaDelay.p99),
      turnRatioP50: Number(summary.turnRatio.p50.toFixed(2)),
      cpuPerDeltaUs: ms((run.cpuMs * 1000) / (turns * loadDeltaCount)),
      peakRssMb: Math.round(usage.peakRssMb),
    };
  },
});
