import { startPacedFake } from './paced-fake.ts';
import { warmUpServer } from './run-load.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

/**
 * A before/after pair that shares the machine's state: the servers of several checkouts measured
 * in turn, `rounds` times, against one warm fake. Each server is warmed up first (`warmUpServer`);
 * `measure` then gives the figures printed as one JSON line per run.
 */
export async function alternateCheckouts(options: {
  rounds: number;
  roots: string[];
  measure: (server: ServerProcess) => Promise<Record<string, number>>;
}): Promise<void> {
  const fake = await startPacedFake();
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const root of options.roots) {
        process.env.AUTOPILOT_BENCH_SERVER_ROOT = root;
        const server = await startServerProcess({ modelUrl: fake.url });
        try {
          await warmUpServer(server);
          console.log(JSON.stringify({ round, root, ...(await options.measure(server)) }));
        } finally {
          await server.close();
        }
      }
    }
  } finally {
    await fake.close();
  }
}
