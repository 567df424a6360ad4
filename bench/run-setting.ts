import { setTimeout as sleep } from 'node:timers/promises';
import { benchPrompt, replyText } from './bench-brain.ts';
import type { BenchServer } from './bench-server.ts';
import { type CapturedModelRequest, type DirectSample, measureDirectCall } from './direct-fake.ts';
import { type FullPathSample, measureFullPathTurn } from './full-path.ts';
import type { ModelArrivals } from './model-arrivals.ts';
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
  arrivals: ModelArrivals;
  setting: BenchSetting;
}): Promise<SettingSamples> {
  const { server, arrivals, setting } = options;
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
    return { ...sample, modelRequestMs: arrivals.take() - sample.startedAt };
  };
  const runFullPath = () => {
    const sessionId = sessionIds.shift();
    if (!sessionId) throw new Error('ran out of prepared sessions');
    return withArrival(() => measureFullPathTurn({ server, sessionId, text, expectedReply: replyText }));
  };

  server.fake.reset();
  await runFullPath();
  const modelRequest = captureModelRequest({ server, text });
  const runDirect = () => withArrival(() => measureDirectCall(modelRequest));
  // The fake keeps every request it sees; the timed loop has no use for them.
  server.fake.reset();

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

/** The exact request the server made for the timed prompt, so the direct calls ask for the same thing. */
function captureModelRequest(options: { server: BenchServer; text: string }): CapturedModelRequest {
  const { fake } = options.server;
  const request = fake.requests.findLast(
    (candidate) => candidate.lastUserText === options.text && candidate.stream,
  );
  if (!request) throw new Error('the server made no model request for the bench prompt');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of ['anthropic-version', 'x-api-key', 'anthropic-beta']) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return { url: `${fake.url}/v1/messages`, headers, body: JSON.stringify(request.body) };
}
