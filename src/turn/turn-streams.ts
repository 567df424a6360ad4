import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { Scope, SessionStore, WaitingMessage } from '../store/session-store.ts';
import { createId } from '../util/ids.ts';

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

/**
 * A cancel takes the waiting messages back and ends the stream of the turn they waited for. A
 * steered message the running turn claimed stays, to be stored by that turn; if that turn ends
 * first, it waits for a new turn, whose stream is not the one ended here.
 */
export async function takeBackWaiting(options: {
  store: SessionStore;
  registry: StreamRegistry;
  scope: Scope;
  runningTurnId: string | null;
}): Promise<WaitingMessage[]> {
  const { store, registry, scope } = options;
  const taken = await store.takeWaitingMessages({
    ...scope,
    keepClaimedBy: options.runningTurnId,
    keptTurnId: createId(),
  });
  for (const turnId of new Set(taken.map((message) => message.turnId))) {
    await endWaitingStream({ registry, turnId });
  }
  return taken;
}

/** A waiting turn that will never run (its messages were taken back): its viewers get an end. */
async function endWaitingStream(options: { registry: StreamRegistry; turnId: string }): Promise<void> {
  const { registry, turnId } = options;
  if ((await registry.state(turnId)) !== 'open') return;
  await registry.append(turnId, { type: 'finish', finishReason: 'other' });
  await registry.close(turnId);
}
