import type { TurnJob, TurnQueue } from '../coord/turn-queue.ts';
import type { CancelResult } from '../protocol/index.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import type { FileBlobs } from '../store/file-blobs.ts';
import type { FileStore } from '../store/file-store.ts';
import type { Scope } from '../store/session-store.ts';
import { AppError, notFound } from '../util/app-error.ts';
import { admitMessage, type SubmitResult } from './admit-message.ts';
import { admitNamedRegenerate, asSend } from './admit-regenerate.ts';
import { assertSessionExists, lockKeyOf, type TurnRequest, validateRequest } from './admit-turn.ts';
import { AdmittedTurns } from './admitted-turns.ts';
import { InFlightBySession } from './in-flight-by-session.ts';
import type { RunTurnDeps } from './run-turn.ts';
import { SessionMutex } from './session-mutex.ts';
import type { SessionNotifier } from './session-notifier.ts';
import { nameUntitledSessions } from './session-title.ts';
import { startTurn, type TurnToStart } from './start-turn.ts';
import { TurnRunner } from './turn-runner.ts';
import { takeBackWaiting } from './turn-streams.ts';
import {
  cancelQueuedTurn,
  type EndTurnDeps,
  endTurnDepsOf,
  interruptTurnsWithoutRunner,
} from './turn-watchdog.ts';

export type { SubmitResult };

/** What running a turn needs (`RunTurnDeps`), and what admitting and scheduling turns adds. */
export interface TurnServiceOptions extends RunTurnDeps {
  files: FileStore;
  fileBlobs: FileBlobs;
  queue: TurnQueue;
  /** `bash_exec`'s sandbox: paused after each turn, released when its session is deleted. */
  sandbox?: Pick<Sandbox, 'suspend' | 'remove'>;
  /** A turn running longer than this is ended with `turn_timeout`. */
  maxTurnMs: number;
  /** Turns run at once; more wait in the queue. */
  maxRunningTurns: number;
  /** Tells `GET /api/events` viewers when a turn starts or ends, a message waits, or a title is set. */
  notifier: SessionNotifier;
}

/**
 * Admits messages and runs turns detached from any request: a turn belongs to the server. A
 * message that arrives while its session's turn runs waits durably in the store, and starts the
 * next turn together with the others waiting (or, steered, goes into the running turn).
 */
export class TurnService {
  readonly #options: TurnServiceOptions;
  readonly #runner: TurnRunner;
  /** What ending a turn outside its run (interrupted, cancelled before it ran) needs. */
  readonly #ending: EndTurnDeps;
  readonly #background = new Set<Promise<unknown>>();
  readonly #mutex = new SessionMutex();
  /** Messages submitted and not yet admitted (or refused): a cancel of their session waits for them. */
  readonly #submitting = new InFlightBySession();
  /** Turns this process admitted: its runner takes them from here instead of reading them back. */
  readonly #admitted: AdmittedTurns;
  /** Admitted turns a cancel ended before a runner took them: the runner skips them. */
  readonly #cancelledWhileQueued = new Set<string>();
  /** Sessions being deleted: no turn starts on them, so none runs on a deleted session. */
  readonly #deleting = new Set<string>();
  #closing = false;
  #watchdog: NodeJS.Timeout | undefined;
  /** Aborted at shutdown: background work stops waiting on turns that will not run. */
  readonly #closed = new AbortController();

  constructor(options: TurnServiceOptions) {
    this.#options = options;
    const { transcripts, runtime, utilityModel, retryPolicy, workspaces, createTools } = options;
    const { lock, lockTtlMs, modelSetupHint, logger, sandbox } = options;
    this.#ending = endTurnDepsOf(options);
    this.#runner = new TurnRunner({
      ...this.#ending,
      transcripts,
      runtime,
      utilityModel,
      retryPolicy,
      workspaces,
      createTools,
      lockTtlMs,
      modelSetupHint,
      sandbox,
    });
    this.#admitted = new AdmittedTurns({ lock, lockTtlMs, logger });
    options.queue.consume({ handler: (job) => this.#run(job), concurrency: options.maxRunningTurns });
  }

  /**
   * Admits a message, or a regenerate. `pace`, when given, is awaited first: the route spreads a
   * burst of start-ups over turns of the event loop with it. A cancel of the session that comes
   * in meanwhile waits for the admission, so it stops the turn this message starts: the user
   * pressed stop after sending, and the turn must not start after the stop was answered.
   */
  async submit(
    request: TurnRequest,
    options: { pace?: () => Promise<void> | undefined } = {},
  ): Promise<SubmitResult> {
    this.#assertOpen();
    validateRequest(request);
    const scope = { ownerId: request.ownerId, sessionId: request.sessionId };
    return this.#submitting.run(scope, async () => {
      await options.pace?.();
      return this.#admit(scope, request);
    });
  }

  #assertOpen(): void {
    if (this.#closing) {
      throw new AppError('service_unavailable', 'The server is shutting down. Try again in a moment.', {
        status: 503,
        headers: { 'retry-after': '5' },
      });
    }
  }

  async #admit(scope: Scope, asked: TurnRequest): Promise<SubmitResult> {
    const { store, lock, registry, files, lockTtlMs } = this.#options;
    // A shutdown may have begun while the message waited its turn.
    this.#assertOpen();
    let request = asked;
    if (request.regenerate) {
      await assertSessionExists({ store, scope });
      const regenerated = await this.#mutex.run(scope, () => {
        this.#assertNotDeleting(scope.sessionId);
        return admitNamedRegenerate({
          deps: { store, lock, registry, lockTtlMs },
          scope,
          request: asked,
          start: (options) => this.#start(options),
        });
      });
      if (regenerated !== 'send') return regenerated;
      request = asSend(asked);
    }
    const { result, waits } = await this.#mutex.run(scope, () => {
      this.#assertNotDeleting(scope.sessionId);
      return admitMessage({
        deps: { store, lock, registry, files, lockTtlMs },
        scope,
        request,
        start: (options) => this.#start(options),
      });
    });
    if (waits) {
      await this.#options.notifier.changed(scope);
      // The running turn may have ended while the message was being stored: then nobody else starts it.
      await this.#startNextLogged(scope);
    }
    return result;
  }

  /**
   * Stops the session's running turn (or the admitted one waiting for a runner) and waits until
   * it has ended. Waiting messages are taken back, not run and not stored, and returned.
   */
  async cancel(scope: Scope): Promise<CancelResult> {
    const { store, registry } = this.#options;
    await this.#submitting.settled(scope);
    await assertSessionExists({ store, scope });
    const unsent = await this.#mutex.run(scope, async () => {
      const active = await store.getActiveTurn(scope);
      return takeBackWaiting({ store, registry, scope, runningTurnId: active?.id ?? null });
    });
    const turn = await store.getActiveTurn(scope);
    let stopped = false;
    if (turn) {
      stopped = await this.#runner.stop(turn.id);
      const admitted = stopped ? undefined : this.#admitted.take(turn.id);
      if (admitted) {
        this.#cancelledWhileQueued.add(turn.id);
        stopped = await cancelQueuedTurn({ deps: this.#ending, turn: admitted.turn, lease: admitted.lease });
      }
    }
    // A stopped turn is published when its run ends; messages taken back change the status too.
    if (unsent.length > 0) await this.#options.notifier.changed(scope);
    return {
      cancelled: stopped || unsent.length > 0,
      unsent: unsent.map((message) => ({ messageId: message.clientMessageId, text: message.text })),
    };
  }

  /**
   * Marks turns nobody runs any more as interrupted, ends turns past their lifetime, and starts
   * the turns of messages left waiting (after a restart, or a start that failed).
   */
  async checkTurns(): Promise<number> {
    this.#runner.stopOverdue(this.#options.maxTurnMs);
    const interrupted = await interruptTurnsWithoutRunner({
      deps: this.#ending,
      runsHere: (turnId) => this.#runner.has(turnId) || this.#admitted.has(turnId),
      notifier: this.#options.notifier,
    });
    for (const scope of await this.#options.store.listSessionsWithWaiting())
      await this.#startNextLogged(scope);
    return interrupted;
  }

  /** Names the sessions a crash left untitled, in the background (shutdown waits for it). */
  nameUntitledSessions(): void {
    const { store, utilityModel: model, notifier, logger } = this.#options;
    if (!model) return;
    this.#track(
      nameUntitledSessions({ store, model, notifier, logger, limit: 100 }).catch((error: unknown) =>
        logger.error({ err: error }, 'naming untitled sessions failed'),
      ),
    );
  }

  /** Runs `checkTurns` every `intervalMs` until shutdown. */
  startWatchdog(intervalMs: number): void {
    const timer = setInterval(() => {
      this.#track(
        this.checkTurns().catch((error: unknown) =>
          this.#options.logger.error({ err: error }, 'turn watchdog failed'),
        ),
      );
    }, intervalMs);
    timer.unref();
    this.#watchdog = timer;
  }

  /**
   * Stops taking turns, lets running ones finish for up to `graceMs`, ends the rest as
   * interrupted, waits for background work, then closes the runtime. Waiting messages stay
   * stored: the next start runs them.
   */
  async shutdown(options: { graceMs: number } = { graceMs: 0 }): Promise<void> {
    this.#closing = true;
    clearInterval(this.#watchdog);
    this.#closed.abort();
    await this.#runner.stopAll({ graceMs: options.graceMs });
    await this.#options.queue.close();
    this.#admitted.close();
    await Promise.allSettled([...this.#background]);
    await this.#options.runtime?.close();
  }

  /**
   * Deletes a session (`remove`) once its turns are stopped, refusing its new messages from the
   * start: one admitted between the stop and the delete would run on a session that is gone, and
   * its stream would never end.
   */
  async deleteSession(scope: Scope, remove: () => Promise<void>): Promise<void> {
    this.#deleting.add(scope.sessionId);
    try {
      // Admissions already under way end first; the cancel then sees their turns.
      await this.#mutex.run(scope, async () => undefined);
      await this.cancel(scope);
      await remove();
    } finally {
      this.#deleting.delete(scope.sessionId);
    }
  }

  /** A session being deleted is already gone for its new messages. */
  #assertNotDeleting(sessionId: string): void {
    if (this.#deleting.has(sessionId)) throw notFound();
  }

  /** Drops what is kept for a deleted session. */
  async forgetSession(sessionId: string): Promise<void> {
    await this.#options.runtime?.forget(sessionId);
    await this.#options.sandbox?.remove(sessionId).catch((error: unknown) => {
      // The session is gone already; a sandbox left behind costs money, so it is logged loudly.
      this.#options.logger.error({ err: error, session: sessionId }, 'releasing the session sandbox failed');
    });
  }

  /** Stores the turn, opens its stream and hands it to the queue. The caller holds `lease`. */
  #start(turn: TurnToStart): Promise<void> {
    return startTurn({
      deps: this.#options,
      admitted: this.#admitted,
      track: (work) => this.#track(work),
      closed: this.#closed.signal,
      turn,
    });
  }

  /**
   * Starts one turn for every message waiting, in order, unless a turn holds the session. The
   * messages stop waiting in the transaction that stores them with the turn; if it fails they
   * stay waiting, and the watchdog tries again.
   */
  async #startNext(scope: Scope): Promise<void> {
    const { store, lock } = this.#options;
    if (this.#closing) return;
    await this.#mutex.run(scope, async () => {
      if (this.#deleting.has(scope.sessionId)) return;
      const waiting = await store.listWaitingMessages(scope);
      const turnId = waiting[0]?.turnId;
      if (!turnId) return;
      const lease = await lock.acquire({
        key: lockKeyOf(scope.sessionId),
        owner: turnId,
        ttlMs: this.#options.lockTtlMs,
      });
      if (!lease) return;
      await this.#start({ scope, lease, turnId, messages: [], takeWaiting: true });
    });
  }

  async #startNextLogged(scope: Scope): Promise<void> {
    await this.#startNext(scope).catch((error: unknown) => {
      this.#options.logger.error(
        { err: error, session: scope.sessionId },
        'starting the next waiting turn failed',
      );
    });
  }

  /** Runs one admitted turn to its end, then starts whatever waits. */
  async #run(job: TurnJob): Promise<void> {
    const admitted = this.#admitted.take(job.turnId);
    if (this.#cancelledWhileQueued.delete(job.turnId)) return;
    await this.#runner.run({ job, admitted });
    await this.#options.notifier.changed({ ownerId: job.ownerId, sessionId: job.sessionId });
    await this.#startNextLogged({ ownerId: job.ownerId, sessionId: job.sessionId });
  }

  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    work.finally(() => this.#background.delete(work));
  }
}
