import type { SettingSamples } from './run-setting.ts';
import { type Distribution, percentile, summarise } from './stats.ts';

export interface SettingSummary {
  name: string;
  delayMs: number;
  iterations: number;
  directFirstDelta: Distribution;
  fullFirstDelta: Distribution;
  directTotal: Distribution;
  fullTotal: Distribution;
  /** POST until the fake received the model request. */
  directModelRequest: Distribution;
  fullModelRequest: Distribution;
  /** The fake receiving the model request until the client saw the first text delta. */
  directModelToFirstDelta: Distribution;
  fullModelToFirstDelta: Distribution;
  /** Full-path minus direct, percentile by percentile. */
  addedFirstDelta: { p50: number; p99: number };
  /** Chunks our client parsed per turn (the median, and the fewest and most), and SSE events the fake sent per call. */
  fullEventCount: number;
  fullEventCountRange: { min: number; max: number };
  directEventCount: number;
  /** (full total p50 − direct total p50) / our event count. */
  addedPerEventMs: number;
  /** The same for the part after the model request only, so admission cost is not spread over events. */
  addedPerEventAfterModelMs: number;
}

/**
 * Compares distributions rather than pairing samples: the pairs ran one after the other, not at
 * once, so a per-pair difference would add both sides' noise into every p99.
 */
export function summariseSetting(samples: SettingSamples): SettingSummary {
  const { setting } = samples;
  const directFirstDelta = summarise(samples.direct.map((sample) => sample.firstDeltaMs));
  const fullFirstDelta = summarise(samples.fullPath.map((sample) => sample.firstDeltaMs));
  const directTotal = summarise(samples.direct.map((sample) => sample.totalMs));
  const fullTotal = summarise(samples.fullPath.map((sample) => sample.totalMs));
  const directModelRequest = summarise(samples.direct.map((sample) => sample.modelRequestMs));
  const fullModelRequest = summarise(samples.fullPath.map((sample) => sample.modelRequestMs));
  const directModelToFirstDelta = summarise(
    samples.direct.map((sample) => sample.firstDeltaMs - sample.modelRequestMs),
  );
  const fullModelToFirstDelta = summarise(
    samples.fullPath.map((sample) => sample.firstDeltaMs - sample.modelRequestMs),
  );
  const directAfterModel = summarise(samples.direct.map((sample) => sample.totalMs - sample.modelRequestMs));
  const fullAfterModel = summarise(samples.fullPath.map((sample) => sample.totalMs - sample.modelRequestMs));
  const fullEventCounts = samples.fullPath.map((sample) => sample.eventCount);
  const fullEventCount = percentile({ values: fullEventCounts, fraction: 0.5 });
  return {
    name: setting.name,
    delayMs: setting.delayMs,
    iterations: setting.iterations,
    directFirstDelta,
    fullFirstDelta,
    directTotal,
    fullTotal,
    directModelRequest,
    fullModelRequest,
    directModelToFirstDelta,
    fullModelToFirstDelta,
    addedFirstDelta: {
      p50: fullFirstDelta.p50 - directFirstDelta.p50,
      p99: fullFirstDelta.p99 - directFirstDelta.p99,
    },
    fullEventCount,
    fullEventCountRange: { min: Math.min(...fullEventCounts), max: Math.max(...fullEventCounts) },
    directEventCount: onlyValue(samples.direct.map((sample) => sample.eventCount)),
    addedPerEventMs: (fullTotal.p50 - directTotal.p50) / fullEventCount,
    addedPerEventAfterModelMs: (fullAfterModel.p50 - directAfterModel.p50) / fullEventCount,
  };
}

/**
 * Every turn of a setting streams the same reply, so the fake's count never varies. The server's
 * may: its model client joins the deltas that arrive in one read, which a busy machine makes
 * happen at 50 tokens/s too.
 */
function onlyValue(values: number[]): number {
  const distinct = new Set(values);
  if (distinct.size !== 1) throw new Error(`event counts varied between turns: ${[...distinct].join(', ')}`);
  return values[0]!;
}
