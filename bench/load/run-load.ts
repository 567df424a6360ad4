import { setTimeout as sleep } from 'node:timers/promises';
import { type Distribution, summarise } from '../stats.ts';
import { type LoadTurnSample, measureDirectTurn, measureServerTurn } from './measure-load-turn.ts';
import { loadDeltaCount, loadPrompt, loadTickMs } from './paced-fake.ts';
import type { ServerProcess } from './server-process.ts';

/** The model's own time for one timed reply: one delta per tick. */
export const modelTimeMs = loadDeltaCount * loadTickMs;

export interface LoadRunSummary {
  turns: number;
  firstToken: Distribution;
  deltaDelay: Distribution;
  /** Each turn's time over the model's own time. */
  turnRatio: Distribution & { max: number };
}

export function summariseLoadRun(samples: LoadTurnSample[]): LoadRunSummary {
  const ratios = samples.map((sample) => sample.totalMs / modelTimeMs);
  return {
    turns: samples.length,
    firstToken: summarise(samples.map((sample) => sample.firstTokenMs)),
    deltaDelay: summarise(samples.flatMap((sample) => sample.deltaDelaysMs)),
    turnRatio: { ...summarise(ratios), max: Math.max(...ratios) },
  };
}

/** K streams of the fake's Messages API, all started at once: straight from it, or through a relay. */
export function runDirectLoad(options: { modelUrl: string; turns: number }): Promise<LoadTurnSample[]> {
  return Promise.all(
    Array.from({ length: options.turns }, () =>
      measureDirectTurn({ modelUrl: options.modelUrl, text: loadPrompt(loadDeltaCount) }),
    ),
  );
}

/** One-delta turns a server answers, untimed, before it is measured: V8 compiles the per-turn code as it runs. */
export const warmUpRounds = 2;
export const warmUpTurnsPerRound = 200;

/** Brings a new server to the state of a running one (see `warmUpRounds`); its first round's CPU per turn is the cold figure. */
export async function warmUpServer(server: ServerProcess): Promise<{ coldCpuPerTurnMs: number }> {
  let coldCpuPerTurnMs = 0;
  for (let round = 0; round < warmUpRounds; round++) {
    const { cpuMs } = await runServerLoad({ server, turns: warmUpTurnsPerRound, deltaCount: 1 });
    if (round === 0) coldCpuPerTurnMs = cpuMs / warmUpTurnsPerRound;
  }
  return { coldCpuPerTurnMs };
}

/**
 * K new chats: the sessions are made first (untimed), then every first message is posted at once.
 * The server's CPU is read around the timed part only, after the background title requests have
 * settled, so it includes them.
 */
export async function runServerLoad(options: {
  server: ServerProcess;
  turns: number;
  deltaCount: number;
}): Promise<{ samples: LoadTurnSample[]; cpuMs: number }> {
  const sessionIds = await createSessions({ serverUrl: options.server.url, count: options.turns });
  const before = await options.server.readUsage();
  const samples = await Promise.all(
    sessionIds.map((sessionId) =>
      measureServerTurn({ serverUrl: options.server.url, sessionId, text: loadPrompt(options.deltaCount) }),
    ),
  );
  await sleep(500);
  const after = await options.server.readUsage();
  return { samples, cpuMs: after.cpuMs - before.cpuMs };
}

async function createSessions(options: { serverUrl: string; count: number }): Promise<string[]> {
  const ids: string[] = [];
  const concurrency = 16;
  for (let start = 0; start < options.count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, options.count - start) }, () =>
      createSession({ serverUrl: options.serverUrl }),
    );
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

/** A new session's id; one made with a title makes no title request. */
export async function createSession(options: { serverUrl: string; title?: string }): Promise<string> {
  const response = await fetch(`${options.serverUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(options.title === undefined ? {} : { title: options.title }),
  });
  if (response.status !== 201) throw new Error(`POST /api/sessions answered ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}
