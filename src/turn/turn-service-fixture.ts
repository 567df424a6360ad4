import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import type { TurnQueue } from '../coord/turn-queue.ts';
import type { StreamEvent } from '../protocol/index.ts';
import { onAbort } from '../util/on-abort.ts';
import { startTurnTestService } from './turn-test-service.ts';

/** A runtime that says a word, then waits until it is stopped; it counts its runs. */
export class HangingRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  runs = 0;
  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    this.runs += 1;
    yield { type: 'text-start', id: 't' };
    yield { type: 'text-delta', id: 't', delta: 'thinking…' };
    await new Promise<void>((resolve) => onAbort(input.signal, resolve));
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

export async function collect(batches: AsyncIterable<StreamEvent[]> | null): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const batch of batches ?? []) all.push(...batch);
  return all;
}

/** A TurnService whose turns hang until stopped (`startTurnTestService` with a `HangingRuntime`). */
export async function createTestTurnService(
  options: { queue?: TurnQueue; lockTtlMs?: number; maxTurnMs?: number } = {},
) {
  const runtime = new HangingRuntime();
  const harness = await startTurnTestService({ runtime, maxTurnMs: 300, ...options });
  return { ...harness, runtime };
}
