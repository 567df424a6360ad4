import { loadDeltaCount, startPacedFake } from './paced-fake.ts';
import { runServerLoad } from './run-load.ts';
import { startServerProcess } from './server-process.ts';

/**
 * `tsx bench/load/paired-main.ts <rounds> <checkout>...`: the load bench's two CPU figures for
 * several checkouts' servers, alternating within each round, so that a before/after pair shares
 * the machine's state. Prints one JSON line per run.
 */
const rounds = Number(process.argv[2] ?? 4);
const roots = process.argv.slice(3);
const fake = await startPacedFake();
try {
  for (let round = 0; round < rounds; round++) {
    for (const root of roots) {
      process.env.AUTOPILOT_BENCH_SERVER_ROOT = root;
      const server = await startServerProcess({ modelUrl: fake.url });
      try {
        await runServerLoad({ server, turns: 20, deltaCount: 1 });
        const overhead = await runServerLoad({ server, turns: 200, deltaCount: 1 });
        const cpuPerTurnMs = overhead.cpuMs / 200;
        const load = await runServerLoad({ server, turns: 100, deltaCount: loadDeltaCount });
        const deltas = 100 * loadDeltaCount;
        console.log(
          JSON.stringify({
            round,
            root,
            cpuPerTurnMs: Number(cpuPerTurnMs.toFixed(2)),
            cpuPerDeltaUs: Number((((load.cpuMs - cpuPerTurnMs * 100) * 1000) / deltas).toFixed(1)),
            loadCpuPerDeltaUs: Number(((load.cpuMs * 1000) / deltas).toFixed(1)),
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
