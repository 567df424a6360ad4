import type { TurnRecord } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { type CompleteTurnDeps, completeTurn } from './complete-turn.ts';
import { TurnRecorder } from './turn-recorder.ts';

/**
 * Ends a turn whose runner is gone (the process died, or its lock expired), so its session is
 * free and its subscribers get the terminal events. Safe to race: completeTurn is a CAS.
 */
export async function interruptTurn(options: {
  deps: CompleteTurnDeps & { modelName: string };
  turn: TurnRecord;
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
  recorder.finalize({ unresolvedToolOutput: 'The tool did not finish (the turn was interrupted).' });
  const ended = await completeTurn({
    deps,
    turn,
    outcome: {
      status: 'interrupted',
      error: new AppError(
        'turn_interrupted',
        'This reply was interrupted before it finished. Send your message again to continue.',
        {
          retryable: true,
        },
      ),
    },
    recorder,
    lease: null,
    fallbackModel: deps.modelName,
  });
  if (ended) logger.warn('marked a turn without a runner as interrupted');
  return ended;
}
