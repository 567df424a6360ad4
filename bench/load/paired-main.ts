import { alternateCheckouts } from './alternate-checkouts.ts';
import { loadDeltaCount } from './paced-fake.ts';
import { runServerLoad } from './run-load.ts';

/**
 * `tsx bench/load/paired-main.ts <rounds> <checkout>...`: the load bench's two CPU figures for
 * several checkouts' servers, alternating within each round, so that a before/after pair shares
 * the machine's state. Prints one JSON line per run.
 */
await alternateCheckouts({
  rounds: Number(process.argv[2] ?? 4),
  roots: process.argv.slice(3),
  async measure(server) {
    const overhead = await runServerLoad({ server, turns: 200, deltaCount: 1 });
    const cpuPerTurnMs = overhead.cpuMs / 200;
    const load = await runServerLoad({ server, turns: 100, deltaCount: loadDeltaCount });
    const deltas = 100 * loadDeltaCount;
    return {
      cpuPerTurnMs: Number(cpuPerTurnMs.toFixed(2)),
      cpuPerDeltaUs: Number((((load.cpuMs - cpuPerTurnMs * 100) * 1000) / deltas).toFixed(1)),
      loadCpuPerDeltaUs: Number(((load.cpuMs * 1000) / deltas).toFixed(1)),
    };
  },
});
