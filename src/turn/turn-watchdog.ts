import type { LockLease } from '../coord/lock.ts';
import type { TurnRecord } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { type CompleteTurnDeps, completeTurn, type TurnOutcome } from './complete-turn.ts';
import { TurnRecorder } from './turn-recorder.ts';

type EndDeps = CompleteTurnDeps & { modelName: string };

/**
 * Ends a turn whose runner is gone (the process died, or its lock expired), so its session is
 * free and its subscribers get the terminal events. Safe to race: completeTurn is a CAS.
 */
export async function interruptTurn(options: { deps: EndDeps; turn: TurnRecord }): Promise<boolean> {
  const ended = await endTurnWithoutRunner({
    ...options,
    lease: null,
    outcome: {
      status: 'interrupted',
      error: new AppError(
        'turn_interrupted',
        'This reply was interrupted before it finished. Send your message again to continue.',
        { retryable: true },
      ),
    },
    unresolvedToolOutput: 'The tool did not finish (the turn was interrupted).',
  });
  if (ended) {
    options.deps.logger.warn(
      { session: options.turn.sessionId, turn: options.turn.id },
      'marked a turn without a runner as interrupted',
    );
  }
  return ended;
}

/** Ends, as stopped by the user, an admitted turn that no runner has started yet. */
export function cancelQueuedTurn(options: {
  deps: EndDeps;
  turn: TurnRecord;
  lease: LockLease;
}): Promise<boolean> {
  return endTurnWithoutRunner({
    ...options,
    outcome: { status: 'cancelled' },
    unresolvedToolOutput: 'Stopped by the user.',
  });
}

async function endTurnWithoutRunner(options: {
  deps: EndDeps;
  turn: TurnRecord;
  lease: LockLease | null;
  outcome: TurnOutcome;
  unresolvedToolOutput: string;
}): Promise<boolean> {
  const { deps, turn } = options;
  const logger = deps.logger.child({ session: turn.sessionId, turn: turn.id });
  const streamExists = (await deps.registry.state(turn.id)) !== null;
  if (!streamExists) await deps.registry.open(turn.id);
  const recorder = new TurnRecorder({
    registry: deps.registry,
    store: deps.store,
    scope: { ownerId: turn.ownerId, sessionId: turn.sessionId },
    turnId: turn.id,
    logger,
  });
  if (!streamExists) recorder.publish({ type: 'start', messageId: turn.messageId });
  recorder.finalize({ unresolvedToolOutput: options.unresolvedToolOutput });
  return completeTurn({
    deps,
    turn,
    outcome: options.outcome,
    recorder,
    lease: options.lease,
    fallbackModel: deps.modelName,
  });
}
