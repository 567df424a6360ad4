import { writeFile } from 'node:fs/promises';
import { type CpuProfile, topSelfTime } from './cpu-profile-summary.ts';
import { startPacedFake } from './paced-fake.ts';
import { runServerLoad, summariseLoadRun, warmUpServer } from './run-load.ts';
import { startServerProcess } from './server-process.ts';

/**
 * `node bench/load/profile-window-main.ts <turns> <rounds> <file.cpuprofile>`: the server's CPU
 * profile over load runs only. `AUTOPILOT_BENCH_CPU_PROF` profiles the server's whole life, where
 * start-up, module loading and the warm-up hide the streaming path; this one warms the server up,
 * then records through the inspector from the first timed POST to the last stream's end. Prints
 * each run's figures and the functions with the most self time; the file opens in Chrome's DevTools.
 */
const turns = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 2);
const output = process.argv[4] ?? 'load-window.cpuprofile';
const inspectorPort = 9239;

const fake = await startPacedFake();
const server = await startServerProcess({
  modelUrl: fake.url,
  env: { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` },
});
try {
  await warmUpServer(server);
  const inspector = await connectInspector(inspectorPort);
  await inspector.call('Profiler.enable');
  await inspector.call('Profiler.setSamplingInterval', { interval: 200 });
  await inspector.call('Profiler.start');
  for (let round = 0; round < rounds; round++) {
    const { samples, cpuMs } = await runServerLoad({ server, turns, deltaCount: 100 });
    const summary = summariseLoadRun(samples);
    console.log(
      `run ${round}: ${turns} turns, server CPU ${cpuMs} ms (${((cpuMs * 1000) / (turns * 100)).toFixed(1)} µs a delta, start-ups included), first token p99 ${summary.firstToken.p99.toFixed(0)} ms`,
    );
  }
  const { profile } = (await inspector.call('Profiler.stop')) as { profile: CpuProfile };
  inspector.close();
  await writeFile(output, JSON.stringify(profile));
  console.log(`profile written to ${output}`);
  for (const line of topSelfTime(profile, 30)) console.log(line);
} finally {
  await server.close();
  await fake.close();
}

/** A minimal Chrome DevTools Protocol client over Node's own WebSocket. */
async function connectInspector(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  let lastId = 0;
  return {
    call(method: string, params: object = {}): Promise<unknown> {
      const id = ++lastId;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => socket.close(),
  };
}
