import { startTestServer } from '../test/support/test-server.ts';
import { createHoldTool } from './hold-tool.ts';
import { type HeldTurn, releaseHeldTurn, startHeldTurn, timeHttpRead } from './http-replay.ts';
import { type SamplePlan, sampleAlternately } from './sample-alternately.ts';
import { createStreamBrain } from './stream-brain.ts';

export interface HttpSamples {
  /** By the held turn's real event count: milliseconds to resume after its last − `tail` and read to its end. */
  resume: Map<number, number[]>;
  /** By the turn's real event count: milliseconds for a full replay. */
  replay: Map<number, number[]>;
}

/**
 * Through the real server (baseline runtime, SQLite, SSE) and `fetch`: turns of each planned number
 * of text deltas are held open, then resumed and replayed with `GET /stream` and `Last-Event-ID`.
 */
export async function measureHttpStream(options: {
  /** Plan lengths are numbers of text deltas; the turn's events are a few more. */
  resume: SamplePlan[];
  replay: SamplePlan[];
  tail: number;
  warmUpRounds: number;
}): Promise<HttpSamples> {
  const { tail, warmUpRounds } = options;
  const hold = createHoldTool();
  const server = await startTestServer({ brain: createStreamBrain(), extraTools: () => [hold.tool] });
  const turns = new Map<number, HeldTurn>();
  try {
    for (const plan of [...options.resume, ...options.replay]) {
      if (!turns.has(plan.length)) {
        turns.set(plan.length, await startHeldTurn({ server, hold, deltas: plan.length }));
      }
    }
    const turnOf = (deltas: number) => turns.get(deltas)!;
    const byEventCount = (samples: Map<number, number[]>) =>
      new Map([...samples].map(([deltas, times]) => [turnOf(deltas).lastEventId, times]));
    const resume = await sampleAlternately({
      plans: options.resume,
      warmUpRounds,
      measure: (deltas) =>
        timeHttpRead({ server, turn: turnOf(deltas), after: turnOf(deltas).lastEventId - tail }),
    });
    const replay = await sampleAlternately({
      plans: options.replay,
      warmUpRounds,
      measure: (deltas) => timeHttpRead({ server, turn: turnOf(deltas), after: 0 }),
    });
    for (const turn of turns.values()) await releaseHeldTurn({ server, turn });
    return { resume: byEventCount(resume), replay: byEventCount(replay) };
  } finally {
    await server.close();
  }
}
