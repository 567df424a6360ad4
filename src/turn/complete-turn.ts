import type { Lock, LockLease } from '../coord/lock.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { Usage } from '../protocol/index.ts';
import type { SessionStore, TurnRecord, TurnStatus } from '../store/session-store.ts';
import type { AppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import { type Marker, markerMessage, stoppedByUserText } from './markers.ts';
import type { TurnRecorder } from './turn-recorder.ts';

export type TurnOutcome =
  /** `notice`: how it ended, for the user (the step limit was reached), stored as a system line. */
  | { status: 'completed'; notice?: string }
  | { status: 'failed'; error: AppError }
  | { status: 'cancelled' }
  | { status: 'interrupted'; error: AppError };

export interface CompleteTurnDeps {
  store: SessionStore;
  metrics: Metrics;
  lock: Lock;
  registry: StreamRegistry;
  logger: Logger;
}

/**
 * The one path that ends a turn. The status flips by compare-and-set, with the usage no row holds
 * yet in the same write (each model call's was stored as it answered), so whoever gets here
 * second (a watchdog, a late cancel) does nothing. Then:
 * marker, lock release, and exactly one terminal sequence for every subscriber. The lock is
 * released before `finish` is published, so a client that reacts to `finish` can start the next
 * turn at once.
 */
export async function completeTurn(options: {
  deps: CompleteTurnDeps;
  turn: TurnRecord;
  outcome: TurnOutcome;
  recorder: TurnRecorder;
  lease: LockLease | null;
  fallbackModel: string;
}): Promise<boolean> {
  const { deps, turn, outcome, recorder } = options;
  const scope = { ownerId: turn.ownerId, sessionId: turn.sessionId };
  const status: Exclude<TurnStatus, 'running'> = outcome.status;
  const errorCode =
    outcome.status === 'failed' || outcome.status === 'interrupted' ? outcome.error.code : null;
  const usage: Usage = recorder.usage.total;
  // Each model call's usage was stored as it was reported; the rest (the engine's own calls, a
  // row that failed) is stored with the status, so a crash cannot leave an ended turn uncharged.
  const unstored = await recorder.usage.unstored();
  const changed = await retryingWrite(() =>
    deps.store.endTurn({
      turnId: turn.id,
      status,
      errorCode,
      ...(unstored
        ? { usage: { model: recorder.usage.model ?? options.fallbackModel, usage: unstored } }
        : {}),
    }),
  );
  if (!changed) {
    deps.logger.warn({ status }, 'turn was already complete');
    if (options.lease) await deps.lock.release(options.lease);
    return false;
  }

  const marker = toMarker(outcome);
  // The status is stored; a marker that cannot be stored must not keep the lock or the viewers' end.
  if (marker)
    await deps.store
      .appendMessage({ ...scope, message: markerMessage({ turnId: turn.id, marker }) })
      .catch((error: unknown) => deps.logger.error({ err: error }, 'storing the end marker failed'));
  if (options.lease) await deps.lock.release(options.lease);
  const durationMs = Date.now() - Date.parse(turn.startedAt);
  deps.metrics.turnEnded({
    status,
    errorCode,
    durationMs,
    tokens: {
      input: usage.inputTokens,
      output: usage.outputTokens,
      cacheRead: usage.cacheReadTokens,
      cacheWrite: usage.cacheWriteTokens,
    },
  });

  if (marker?.kind === 'error') {
    recorder.publish({ type: 'data-error', data: marker.error });
    recorder.publish({ type: 'error', errorText: marker.error.message });
  } else if (marker?.kind === 'system') {
    recorder.publish({ type: 'data-system', data: { message: marker.message } });
  }
  recorder.publish({
    type: 'message-metadata',
    messageMetadata: { turnId: turn.id, status, startedAt: turn.startedAt, durationMs, usage },
  });
  recorder.publish({ type: 'finish', finishReason: finishReasonOf(outcome) });
  await recorder.flush().catch(() => undefined);
  await deps.registry.close(turn.id);
  return true;
}

/**
 * The end is the only write that carries the usage no row holds yet (a summary call, a call whose
 * row failed): if it fails, whoever settles the turn later (the watchdog) cannot charge it. A
 * brief failure (a busy database) is retried.
 */
async function retryingWrite<Result>(write: () => Promise<Result>): Promise<Result> {
  const delaysMs = [50, 200, 1_000];
  for (const delayMs of delaysMs) {
    try {
      return await write();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  return write();
}

function toMarker(outcome: TurnOutcome): Marker | null {
  switch (outcome.status) {
    case 'completed':
      return outcome.notice ? { kind: 'system', message: outcome.notice } : null;
    case 'cancelled':
      return { kind: 'system', message: stoppedByUserText };
    case 'failed':
    case 'interrupted':
      return {
        kind: 'error',
        error: {
          code: outcome.error.code,
          retryable: outcome.error.retryable,
          message: outcome.error.expose ? outcome.error.message : 'Something went wrong. Please try again.',
        },
      };
  }
}

function finishReasonOf(outcome: TurnOutcome): 'stop' | 'error' | 'other' {
  if (outcome.status === 'completed') return 'stop';
  return outcome.status === 'cancelled' ? 'other' : 'error';
}
