import type { PendingMessages } from '../coord/pending-messages.ts';
import type { TurnJob } from '../coord/turn-queue.ts';
import type { StoredMessage, TurnRecord } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { lockKeyOf } from './admit-turn.ts';
import { type RunTurnDeps, runTurn } from './run-turn.ts';

interface RunningTurn {
  startedAt: number;
  controller: AbortController;
  done: Promise<void>;
}

/** Follow-ups taken into a running turn at once, at most. */
const maxFollowUps = 10;

/**
 * The runner's side of turns: runs each admitted turn to its end, and stops running turns on
 * demand (cancel, lifetime, shutdown). It knows only the turns running in this process.
 */
export class TurnRunner {
  readonly #deps: RunTurnDeps & { pending: PendingMessages };
  readonly #running = new Map<string, RunningTurn>();

  constructor(deps: RunTurnDeps & { pending: PendingMessages }) {
    this.#deps = deps;
  }

  has(turnId: string): boolean {
    return this.#running.has(turnId);
  }

  /**
   * Runs one admitted turn. `admitted` is the turn as this process just stored it; without it
   * (another process admitted the turn) the records are read back.
   */
  async run(job: TurnJob, admitted?: { turn: TurnRecord; userMessages: StoredMessage[] }): Promise<void> {
    const { store, logger, pending } = this.#deps;
    const scope = { ownerId: job.ownerId, sessionId: job.sessionId };
    const turn = admitted?.turn ?? (await store.getTurn({ ...scope, turnId: job.turnId }));
    if (turn?.status !== 'running') return;
    const lease = { key: lockKeyOf(turn.sessionId), owner: turn.id, fencingToken: turn.fencingToken };
    const userMessages =
      admitted?.userMessages ??
      (await store.listMessages({ ...scope, limit: maxFollowUps + 5 })).filter(
        (message) => message.turnId === turn.id && message.role === 'user',
      );
    const turnLogger = logger.child({
      session: turn.sessionId,
      turn: turn.id,
      turnNumber: userMessages[0]?.seq,
    });
    const controller = new AbortController();
    const done = runTurn({
      deps: this.#deps,
      turn,
      lease,
      userMessages,
      signal: controller.signal,
      logger: turnLogger,
      takeFollowUps: async () =>
        (await pending.take({ sessionId: turn.sessionId, max: maxFollowUps })).map((message) => message.text),
    }).catch(async (error: unknown) => {
      turnLogger.error({ err: error }, 'ending the turn failed');
      await this.#endWithoutStore({ turn, lease });
    });
    this.#running.set(turn.id, { startedAt: Date.now(), controller, done });
    this.#deps.metrics.turnStarted();
    try {
      await done;
    } finally {
      this.#running.delete(turn.id);
      this.#deps.metrics.turnStopped();
    }
  }

  /** Stops a running turn and waits until it has ended; false if it does not run here. */
  async stop(turnId: string, reason?: AppError): Promise<boolean> {
    const running = this.#running.get(turnId);
    if (!running) return false;
    running.controller.abort(reason);
    await running.done;
    return true;
  }

  /** Ends every turn that has run longer than `maxTurnMs`. */
  stopOverdue(maxTurnMs: number): void {
    const now = Date.now();
    for (const [turnId, running] of this.#running) {
      if (now - running.startedAt <= maxTurnMs) continue;
      running.controller.abort(
        new AppError(
          'turn_timeout',
          'This reply took too long and was stopped. Send a message to continue.',
          {
            retryable: true,
          },
        ),
      );
      this.#deps.logger.warn({ turn: turnId }, 'turn exceeded its maximum lifetime');
    }
  }

  /** Lets running turns finish for up to `graceMs`, then ends the rest as interrupted. */
  async stopAll(options: { graceMs: number }): Promise<void> {
    const allDone = () => Promise.all([...this.#running.values()].map((running) => running.done));
    await Promise.race([allDone(), new Promise((resolve) => setTimeout(resolve, options.graceMs).unref())]);
    const interrupted = new AppError(
      'turn_interrupted',
      'The server restarted before this reply finished. Send your message again to continue.',
      { retryable: true },
    );
    for (const running of this.#running.values()) running.controller.abort(interrupted);
    await allDone();
  }

  /** Ending the turn failed (e.g. the database is gone): free the session, and give viewers an end. */
  async #endWithoutStore(options: {
    turn: TurnRecord;
    lease: { key: string; owner: string; fencingToken: number };
  }) {
    const { lock, registry } = this.#deps;
    const { turn } = options;
    await lock.release(options.lease).catch(() => undefined);
    // The turn's record still says running: the watchdog (or the next start-up) settles it once the store answers.
    const message = 'Autopilot could not save the end of this reply. Please try again.';
    for (const chunk of [
      { type: 'data-error', data: { code: 'storage_error', retryable: true, message } },
      { type: 'error', errorText: message },
      { type: 'finish', finishReason: 'error' },
    ] as const) {
      await registry.append(turn.id, chunk).catch(() => undefined);
    }
    await registry.close(turn.id).catch(() => undefined);
  }
}
