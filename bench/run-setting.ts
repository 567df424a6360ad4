import { setTimeout as sleep } from 'node:timers/promises';
import { benchPrompt, replyText } from './bench-brain.ts';
import type { BenchServer } from './bench-server.ts';
import { type DirectSample, measureDirectCall } from './direct-fake.ts';
import { type FullPathSample, measureFullPathTurn } from './full-path.ts';
import { prepareSessions } from './prepare-sessions.ts';

/**
 * Idle time before every sample. Without it, the clean-up that follows a stream's end (socket and
 * stream teardown on both sides of this one process) lands in the first milliseconds of the next
 * sample; with it, each sample is one request to an idle process, as a person typing would make.
 */
const settleMs = 1;

export interface BenchSetting {
  name: string;
  /** Pause the fake makes between SSE events. */
  delayMs: number;
  warmUpIterations: number;
  iterations: number;
}

/** A sample plus how long after the POST the fake model received its request. */
export type Timed<Sample> = Sample & { modelRequestMs: number };

export interface SettingSamples {
  setting: BenchSetting;
  fullPath: Timed<FullPathSample>[];
  direct: Timed<DirectSample>[];
}

/**
 * Measures one setting: full-path turns and direct calls alternate, and which of the pair goes
 * first alternates too, so drift and noise on the shared machine hit both sides alike.
 */
export async function runSetting(options: {
  server: BenchServer;
  setting: BenchSetting;
}): Promise<SettingSamples> {
  const { server, setting } = options;
  const text = benchPrompt(setting.delayMs);
  // One extra session for the turn whose model request the direct calls replay.
  const sessionIds = await prepareSessions({
    server,
    count: 1 + setting.warmUpIterations + setting.iterations,
  });
  const withArrival = async <Sample extends { startedAt: number }>(
    measure: () => Promise<Sample>,
  ): Promise<Timed<Sample>> => {
    await sleep(settleMs);
    const sample = await measure();
    return { ...sample, modelRequestMs: (await server.fake.takeArrival()) - sample.startedAt };
  };
  const runFullPath = () => {
    const sessionId = sessionIds.shift();
    if (!sessionId) throw new Error('ran out of prepared sessions');
    return withArrival(() => measureFullPathTurn({ server, sessionId, text, expectedReply: replyText }));
  };

  await server.fake.reset();
  await runFullPath();
  const modelRequest = await server.fake.lastRequest(text);
  const runDirect = () => withArrival(() => measureDirectCall(modelRequest));
  // The fake keeps every request it sees; the timed loop has no use for them.
  await server.fake.reset();

  const fullPath: Timed<FullPathSample>[] = [];
  const direct: Timed<DirectSample>[] = [];
  const total = setting.warmUpIterations + setting.iterations;
  for (let iteration = 0; iteration < total; iteration++) {
    // Object literals evaluate in source order, so this also decides which side runs first.
    const pair =
      iteration % 2 === 0
        ? { direct: await runDirect(), fullPath: await runFullPath() }
        : { fullPath: await runFullPath(), direct: await runDirect() };
    if (iteration < setting.warmUpIterations) continue;
    direct.push(pair.direct);
    fullPath.push(pair.fullPath);
  }
  return { setting, fullPath, direct };
}
