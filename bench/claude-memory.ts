import { setTimeout as sleep } from 'node:timers/promises';
import { type ClaudeBenchServer, startClaudeBenchServer, timedPromptPrefix } from './claude-server.ts';
import { measureClaudeTurn } from './claude-turn.ts';
import { prepareSessions } from './prepare-sessions.ts';
import { type ProcessMemory, readClaudeProcessMemory } from './process-memory.ts';
import { sum } from './stats.ts';

/** Gives a just-finished turn's process time to settle before its resident memory is read. */
const settleMs = 300;
const sampleIntervalMs = 10;

/** The CLI processes alive with `sessions` live sessions. */
export interface LiveMemory {
  sessions: number;
  turnsEach: number;
  processes: ProcessMemory[];
}

/** One cold turn's CLI process, sampled while the turn ran. */
export interface ColdTurnMemory {
  /** The highest summed VmRSS of the CLI processes over the samples. */
  sampledPeakRssMb: number;
  /** The highest VmHWM read: the kernel's own peak, which sampling can miss. */
  peakRssMb: number;
  samples: number;
  /** CLI processes still alive once the turn had ended: 0 on the cold path. */
  processesAfter: number;
}

/** The warm path, on a fresh server: after K sessions each had one turn, for K = 1 … maxSessions. */
export async function measureWarmMemory(options: { maxSessions: number }): Promise<LiveMemory[]> {
  const warm = await startClaudeBenchServer({ path: 'warm' });
  const results: LiveMemory[] = [];
  try {
    for (let sessions = 1; sessions <= options.maxSessions; sessions++) {
      await prepareSessions({ server: warm.server, count: 1 });
      results.push(await readLiveMemory({ sessions, turnsEach: 1 }));
    }
  } finally {
    await warm.server.close();
  }
  return results;
}

export async function readLiveMemory(options: { sessions: number; turnsEach: number }): Promise<LiveMemory> {
  await sleep(settleMs);
  return { ...options, processes: await readClaudeProcessMemory({ withPss: true }) };
}

/** The cold path, on a fresh server: one session's timed turns, each sampled every 10 ms while it runs. */
export async function measureColdMemory(options: { turns: number }): Promise<ColdTurnMemory[]> {
  const cold = await startClaudeBenchServer({ path: 'cold' });
  const results: ColdTurnMemory[] = [];
  try {
    const [sessionId] = await prepareSessions({ server: cold.server, count: 1 });
    for (let turn = 0; turn < options.turns; turn++) {
      results.push(await sampleColdTurn({ cold, sessionId: sessionId!, turn }));
    }
  } finally {
    await cold.server.close();
  }
  return results;
}

async function sampleColdTurn(options: {
  cold: ClaudeBenchServer;
  sessionId: string;
  turn: number;
}): Promise<ColdTurnMemory> {
  const prompt = `${timedPromptPrefix} ${options.turn + 1} of the memory session`;
  let running = true;
  const turn = measureClaudeTurn({ bench: options.cold, sessionId: options.sessionId, prompt }).finally(
    () => {
      running = false;
    },
  );
  let sampledPeakRssMb = 0;
  let peakRssMb = 0;
  let samples = 0;
  try {
    while (running) {
      const processes = await readClaudeProcessMemory({ withPss: false });
      samples += 1;
      sampledPeakRssMb = Math.max(sampledPeakRssMb, sum(processes.map((memory) => memory.rssMb)));
      peakRssMb = Math.max(peakRssMb, ...processes.map((memory) => memory.peakRssMb));
      await sleep(sampleIntervalMs);
    }
  } catch (error) {
    // Let the turn end before the caller closes its server, so its failure cannot go unhandled.
    await turn.catch(() => undefined);
    throw error;
  }
  await turn;
  const processesAfter = (await readClaudeProcessMemory({ withPss: false })).length;
  return { sampledPeakRssMb, peakRssMb, samples, processesAfter };
}
