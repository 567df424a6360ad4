import { eachEvent } from '../src/coord/each-event.ts';
import { MemoryStreamRegistry } from '../src/coord/memory/memory-stream-registry.ts';
import type { StreamRegistry } from '../src/coord/stream-registry.ts';
import type { StreamChunk } from '../src/protocol/index.ts';
import { type SamplePlan, sampleAlternately } from './sample-alternately.ts';

/** A text delta the size the fake streams: every event of the synthetic turns is one of these. */
const deltaChunk: StreamChunk = { type: 'text-delta', id: 'text-1', delta: 'token0042 streams along ' };

export interface RegistrySamples {
  /** Per turn length: milliseconds to subscribe after N − `tail` and receive the last `tail` events. */
  resume: Map<number, number[]>;
  /** Per turn length: milliseconds to subscribe from 0 and receive all N events. */
  replay: Map<number, number[]>;
}

/**
 * Straight against `MemoryStreamRegistry`, with every stream left open as a running turn's would be.
 */
export async function measureRegistry(options: {
  resume: SamplePlan[];
  replay: SamplePlan[];
  tail: number;
  warmUpRounds: number;
}): Promise<RegistrySamples> {
  const { tail, warmUpRounds } = options;
  const lengths = [...new Set([...options.resume, ...options.replay].map((plan) => plan.length))];
  const registry = new MemoryStreamRegistry({ maxEvents: Math.max(...lengths) });
  for (const length of lengths) await fillStream({ registry, streamId: streamIdOf(length), length });
  const resume = await sampleAlternately({
    plans: options.resume,
    warmUpRounds,
    measure: (length) => timeRead({ registry, length, after: length - tail }),
  });
  const replay = await sampleAlternately({
    plans: options.replay,
    warmUpRounds,
    measure: (length) => timeRead({ registry, length, after: 0 }),
  });
  return { resume, replay };
}

function streamIdOf(length: number): string {
  return `turn-of-${length}-events`;
}

async function fillStream(options: { registry: StreamRegistry; streamId: string; length: number }) {
  await options.registry.open(options.streamId);
  for (let index = 0; index < options.length; index++)
    await options.registry.append(options.streamId, deltaChunk);
}

/** Subscribes after `after` and reads up to the stream's last event; checks that none was skipped. */
async function timeRead(options: {
  registry: StreamRegistry;
  length: number;
  after: number;
}): Promise<number> {
  const { registry, length, after } = options;
  const startedAt = performance.now();
  const events = await registry.subscribe({ streamId: streamIdOf(length), after });
  if (!events) throw new Error(`stream ${streamIdOf(length)} is gone`);
  let expected = after + 1;
  for await (const event of eachEvent(events)) {
    if (event.id !== expected) throw new Error(`expected event ${expected}, got ${event.id}`);
    if (event.id === length) break;
    expected += 1;
  }
  const ms = performance.now() - startedAt;
  if (expected !== length) throw new Error(`the replay ended at ${expected} of ${length} events`);
  return ms;
}
