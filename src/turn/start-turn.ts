import type { UtilityModel } from '../agent/utility-model.ts';
import type { Lock } from '../coord/lock.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { TurnQueue } from '../coord/turn-queue.ts';
import type { Workspaces } from '../sandbox/workspaces.ts';
import type { FileBlobs } from '../store/file-blobs.ts';
import type { FileRecord } from '../store/file-store.ts';
import type { SessionStore } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';
import { beginTurn } from './admit-turn.ts';
import type { AdmittedTurns } from './admitted-turns.ts';
import type { SessionNotifier } from './session-notifier.ts';
import { titleAfterFirstOutput } from './session-title.ts';
import { openTurnStream } from './turn-streams.ts';

/** A turn admission decided to start (what `beginTurn` stores); the caller holds `lease`. */
export type TurnToStart = Omit<Parameters<typeof beginTurn>[0], 'store' | 'attach'> & {
  /** Files attached to the first message. */
  files?: FileRecord[];
};

/**
 * Starts an admitted turn: stores it with its user messages (`beginTurn`), holds it for this
 * process's runner, opens its stream, tells the session's viewers, and hands it to the queue. On a
 * session's first message the title is made in the background once the turn shows output. If a
 * step fails, the turn is no longer held and the lease is released.
 */
export async function startTurn(options: {
  deps: {
    store: SessionStore;
    registry: StreamRegistry;
    lock: Lock;
    queue: TurnQueue;
    fileBlobs: FileBlobs;
    workspaces: Workspaces;
    notifier: SessionNotifier;
    utilityModel: UtilityModel | null;
    logger: Logger;
  };
  admitted: AdmittedTurns;
  /** Keeps background work (the title) for shutdown to wait on. */
  track: (work: Promise<unknown>) => void;
  /** Aborted at shutdown: the title stops waiting for output. */
  closed: AbortSignal;
  turn: TurnToStart;
}): Promise<void> {
  const { store, registry, lock, queue, fileBlobs, workspaces, notifier, logger } = options.deps;
  const { turn: start, admitted } = options;
  try {
    const { files, ...rest } = start;
    const { turn, userMessages, isFirstMessage } = await beginTurn({
      store,
      ...rest,
      attach: files?.length ? { files, blobs: fileBlobs, workspaces, logger } : undefined,
    });
    admitted.add({ turn, userMessages, lease: start.lease });
    await openTurnStream({ registry, turnId: turn.id });
    // Before the runner gets it: an idle tab can follow the turn from here (its stream is open).
    await notifier.changed(start.scope);
    await queue.enqueue({ turnId: turn.id, sessionId: turn.sessionId, ownerId: turn.ownerId });
    const model = options.deps.utilityModel;
    if (isFirstMessage && model) {
      options.track(
        titleAfterFirstOutput({
          store,
          registry,
          notifier,
          model,
          scope: start.scope,
          turnId: turn.id,
          text: userMessages[0]?.content ?? '',
          signal: options.closed,
          logger: logger.child({ session: turn.sessionId }),
        }),
      );
    }
  } catch (error) {
    admitted.take(start.turnId);
    await lock.release(start.lease);
    throw error;
  }
}
