import type { LockLease } from '../coord/lock.ts';
import { stoppedToolOutput } from '../protocol/index.ts';
import type { TurnRecord } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { lockKeyOf } from './admit-turn.ts';
import { type CompleteTurnDeps, completeTurn, type TurnOutcome } from './complete-turn.ts';
import type { SessionNotifier } from './session-notifier.ts';
import { TurnRecorder } from './turn-recorder.ts';

/** What ending a turn outside its run needs. */
export interface EndTurnDeps extends CompleteTurnDeps {
  /** Usage without a model of its own is charged to this one. */
  modelName: string;
}

/** Only what ending a turn needs, taken from a wider set of options. */
export function endTurnDepsOf(options: EndTurnDeps): EndTurnDeps {
  const { store, metrics, lock, registry, logger, modelName } = options;
  return { store, metrics, lock, registry, logger, modelName };
}

/**
 * Ends a turn whose runner is gone (the process died, or its lock expired), so its session is
 * free and its subscribers get the terminal events. Safe to race: completeTurn is a CAS.
 */
export async function interruptTurn(options: { deps: EndTurnDeps; turn: TurnRecord }): Promise<boolean> {
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

/**
 * Interrupts every running turn nobody runs: not running or admitted in this process
 * (`runsHere`), and no live lock in its name. Each turn on its own: one that cannot be settled
 * does not stop the sweep. Returns how many it ended.
 */
export async function interruptTurnsWithoutRunner(options: {
  deps: EndTurnDeps;
  runsHere: (turnId: string) => boolean;
  notifier: SessionNotifier;
}): Promise<number> {
  const { deps } = options;
  let interrupted = 0;
  for (const turn of await deps.store.listRunningTurns()) {
    if (options.runsHere(turn.id)) continue;
    try {
      const holder = await deps.lock.holder(lockKeyOf(turn.sessionId));
      if (holder?.owner === turn.id) continue;
      if (!(await interruptTurn({ deps, turn }))) continue;
      interrupted += 1;
      await options.notifier.changed({ ownerId: turn.ownerId, sessionId: turn.sessionId });
    } catch (error) {
      deps.logger.error(
        { err: error, session: turn.sessionId, turn: turn.id },
        'ending a turn without a runner failed',
      );
    }
  }
  return interrupted;
}

/** Ends, as stopped by the user, an admitted turn that no runner has started yet. */
export function cancelQueuedTurn(options: {
  deps: EndTurnDeps;
  turn: TurnRecord;
  lease: LockLease;
}): Promise<boolean> {
  return endTurnWithoutRunner({
    ...options,
    outcome: { status: 'cancelled' },
    unresolvedToolOutput: stoppedToolOutput,
  });
}

async function endTurnWithoutRunner(options: {
  deps: EndTurnDeps;
  turn: TurnRecord;
  lease: LockLease | null;
  outcome: TurnOutcome;
  unresolvedToolOutput: string;
}): Promise<boolean> {
  const { deps, turn } = options;
  const logger = deps.logger.child({ session: turn.sessionId, turn: turn.id });
  const streamExists = (await deps.registry.state(turn.id)) !== null;
  if (!streamExists) await deps.registry.open(turn.id);
  const scope = { ownerId: turn.ownerId, sessionId: turn.sessionId };
  const recorder = new TurnRecorder({
    registry: deps.registry,
    store: deps.store,
    scope,
    turnId: turn.id,
    logger,
  });
  if (!streamExists) recorder.publish({ type: 'start', messageId: turn.messageId });
  // The calls the gone runner made were stored as they answered: its end shows them.
  const stored = (await deps.store.getTurnUsage({ ...scope, turnIds: [turn.id] })).get(turn.id);
  if (stored) recorder.usage.countStored(stored);
  const { unresolvedToolOutput } = options;
  // A call stored without its result would show as running forever: it ends here, stored. A new
  // stream never showed the call, so only a stream that did gets its end.
  recorder.resolveOrphanedCalls({
    toolCallIds: await unresolvedToolCalls({ deps, turn }),
    output: unresolvedToolOutput,
    show: streamExists,
  });
  recorder.finalize({ unresolvedToolOutput });
  // The ended calls' results are stored before the turn's status, as a running turn's rows are.
  await recorder
    .flush()
    .catch((error: unknown) => logger.error({ err: error }, 'storing the ended calls’ results failed'));
  return completeTurn({
    deps,
    turn,
    outcome: options.outcome,
    recorder,
    lease: options.lease,
    fallbackModel: deps.modelName,
  });
}

/** Ids of the turn's stored tool calls that have no stored result. */
async function unresolvedToolCalls(options: { deps: CompleteTurnDeps; turn: TurnRecord }): Promise<string[]> {
  const { deps, turn } = options;
  const rows = await deps.store.listMessages({ ownerId: turn.ownerId, sessionId: turn.sessionId });
  const ofTurn = rows.filter((row) => row.turnId === turn.id);
  const resolved = new Set(
    ofTurn.flatMap((row) => (row.role === 'tool' && row.toolCallId ? [row.toolCallId] : [])),
  );
  return ofTurn.flatMap((row) => (row.toolCall && !resolved.has(row.toolCall.id) ? [row.toolCall.id] : []));
}
