import type { TurnJob } from '../coord/turn-queue.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import type { StoredMessage, TurnRecord } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';
import { lockKeyOf } from './admit-turn.ts';
import { type RunTurnDeps, runTurn } from './run-turn.ts';
import { cancelQueuedTurn, type EndTurnDeps, endTurnDepsOf, interruptTurn } from './turn-watchdog.ts';

interface RunningTurn {
  startedAt: number;
  controller: AbortController;
  done: Promise<void>;
}

export interface TurnRunnerDeps extends RunTurnDeps {
  /** Paused (`suspend`) once each turn has ended, whatever its end; absent, there is nothing to pause. */
  sandbox?: Pick<Sandbox, 'suspend'>;
}

/** A turn this process admitted, as it stored it. */
type AdmittedWork = { turn: TurnRecord; userMessages: StoredMessage[] };

/** User messages of one turn read back at most (a batch of waiting ones, plus the slack of steered ones). */
const maxTurnUserMessages = 25;

/**
 * The runner's side of turns: runs each admitted turn to its end, and stops running turns on
 * demand (cancel, lifetime, shutdown). It knows only the turns running in this process.
 */
export class TurnRunner {
  readonly #deps: TurnRunnerDeps;
  /** The part of `#deps` that ending a turn which cannot run needs. */
  readonly #ending: EndTurnDeps;
  readonly #running = new Map<string, RunningTurn>();
  /** Sandbox pauses still in flight: shutdown waits for them. */
  readonly #suspending = new Set<Promise<void>>();

  /** Set by `stopAll`: from then on no turn starts here. */
  #stopping = false;

  constructor(deps: TurnRunnerDeps) {
    this.#deps = deps;
    this.#ending = endTurnDepsOf(deps);
  }

  has(turnId: string): boolean {
    return this.#running.has(turnId);
  }

  /**
   * Runs one admitted turn. `admitted` holds the turn and its user messages as this process just
   * stored them; without it (another process admitted the turn) they are read back, and a turn
   * no longer running is left alone. An admitted turn needs no second look: while it waited for
   * a slot only this process could end it, and ending it (a cancel) takes it from the admitted
   * turns first. The lease is checked again: a turn whose lock expired must not run beside the
   * turn that may hold the session now.
   */
  async run(options: { job: TurnJob; admitted?: AdmittedWork }): Promise<void> {
    const { job } = options;
    // Listed as running before the first wait: a cancel (or a shutdown) that comes while the turn
    // is being read back or prepared must find it here, since the service no longer holds it as admitted.
    const controller = new AbortController();
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.#running.set(job.turnId, { startedAt: Date.now(), controller, done });
    try {
      await this.#run({ ...options, controller });
    } finally {
      this.#running.delete(job.turnId);
      settle();
    }
  }

  async #run(options: { job: TurnJob; admitted?: AdmittedWork; controller: AbortController }): Promise<void> {
    const { job, admitted, controller } = options;
    const { store, logger, lock } = this.#deps;
    const scope = { ownerId: job.ownerId, sessionId: job.sessionId };
    const turn = admitted?.turn ?? (await store.getTurn({ ...scope, turnId: job.turnId }));
    if (turn?.status !== 'running') return;
    const lease = { key: lockKeyOf(turn.sessionId), owner: turn.id, fencingToken: turn.fencingToken };
    if (!(await lock.refresh({ lease, ttlMs: this.#deps.lockTtlMs }))) {
      logger.warn({ session: turn.sessionId, turn: turn.id }, 'a turn lost its lock before it started');
      await interruptTurn({ deps: this.#ending, turn });
      return;
    }
    const userMessages =
      admitted?.userMessages ??
      (await store.listMessages({ ...scope, limit: maxTurnUserMessages })).filter(
        (message) => message.turnId === turn.id && message.role === 'user',
      );
    // A turn that had not started when the others were stopped does not start now.
    if (this.#stopping) {
      await interruptTurn({ deps: this.#ending, turn });
      return;
    }
    // Stopped by the user before it started: it ends as stopped, without calling the model.
    if (controller.signal.aborted && !(controller.signal.reason instanceof AppError)) {
      await cancelQueuedTurn({ deps: this.#ending, turn, lease });
      return;
    }
    const turnLogger = logger.child({
      session: turn.sessionId,
      turn: turn.id,
      turnNumber: userMessages[0]?.seq,
    });
    const running = runTurn({
      deps: this.#deps,
      turn,
      lease,
      userMessages,
      signal: controller.signal,
      logger: turnLogger,
      takeFollowUps: async () =>
        (await store.claimSteeredMessages({ ...scope, turnId: turn.id })).map((message) => ({
          id: message.id,
          messageId: message.clientMessageId,
          text: message.text,
        })),
    }).catch(async (error: unknown) => {
      turnLogger.error({ err: error }, 'ending the turn failed');
      await this.#endWithoutStore({ turn, lease });
    });
    this.#deps.metrics.turnStarted();
    try {
      await running;
    } finally {
      this.#deps.metrics.turnStopped();
      this.#suspendSandbox({ sessionId: turn.sessionId, logger: turnLogger });
    }
  }

  /**
   * SPEC §4.12: the sandbox is paused at the end of every turn. In the background, after the
   * turn's end is published: a pause takes seconds at E2B, and the sandbox runs the session's
   * lifecycle steps in order, so a next turn's command waits for it.
   */
  #suspendSandbox(options: { sessionId: string; logger: Logger }): void {
    const { sandbox } = this.#deps;
    if (!sandbox) return;
    const suspending = sandbox.suspend(options.sessionId).catch((error: unknown) => {
      options.logger.error({ err: error }, 'pausing the sandbox after the turn failed');
    });
    this.#suspending.add(suspending);
    void suspending.finally(() => this.#suspending.delete(suspending));
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
    this.#stopping = true;
    const allDone = () => Promise.all([...this.#running.values()].map((running) => running.done));
    await Promise.race([allDone(), new Promise((resolve) => setTimeout(resolve, options.graceMs).unref())]);
    const interrupted = new AppError(
      'turn_interrupted',
      'The server restarted before this reply finished. Send your message again to continue.',
      { retryable: true },
    );
    for (const running of this.#running.values()) running.controller.abort(interrupted);
    await allDone();
    await Promise.allSettled([...this.#suspending]);
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
