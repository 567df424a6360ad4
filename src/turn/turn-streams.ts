import type { StreamRegistry } from '../coord/stream-registry.ts';

export const waitingStatusText = 'Waiting for the current reply to finish…';

/**
 * Opens a turn's stream with its `start` (the turn's id is the assistant message's id), unless it
 * is open already: a waiting turn's stream opens when its first message starts waiting, with a
 * transient status, so every request that waits for it can stream from that moment.
 */
export async function openTurnStream(options: {
  registry: StreamRegistry;
  turnId: string;
  waiting?: boolean;
}): Promise<void> {
  const { registry, turnId } = options;
  if ((await registry.state(turnId)) !== null) return;
  await registry.open(turnId);
  await registry.append(turnId, { type: 'start', messageId: turnId });
  if (options.waiting) {
    await registry.append(turnId, {
      type: 'data-status',
      data: { message: waitingStatusText },
      transient: true,
    });
  }
}

/** A waiting turn that will never run (its messages were taken back): its viewers get an end. */
export async function endWaitingStream(options: { registry: StreamRegistry; turnId: string }): Promise<void> {
  const { registry, turnId } = options;
  if ((await registry.state(turnId)) !== 'open') return;
  await registry.append(turnId, { type: 'finish', finishReason: 'other' });
  await registry.close(turnId);
}
