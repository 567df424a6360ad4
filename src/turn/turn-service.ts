import type { LanguageModel } from 'ai';
import type { AgentRuntime } from '../agent/agent-runtime.ts';
import type { Lock, LockLease } from '../coord/lock.ts';
import type { PendingMessages } from '../coord/pending-messages.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { TurnJob, TurnQueue } from '../coord/turn-queue.ts';
import type { Workspaces } from '../sandbox/workspaces.ts';
import type { FileBlobs } from '../store/file-blobs.ts';
import type { FileRecord, FileStore } from '../store/file-store.ts';
import type { Scope, SessionStore, StoredMessage, TurnRecord } from '../store/session-store.ts';
import type { TranscriptStore } from '../store/transcript-store.ts';
import type { AnyToolDefinition } from '../tools/tool.ts';
import { AppError } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import {
  assertSessionExists,
  beginTurn,
  findDuplicateTurn,
  type IncomingMessage,
  lockKeyOf,
  type TurnRequest,
  validateRequest,
} from './admit-turn.ts';
import { findAttachedFiles } from './attach-files.ts';
import { firstOutput } from './first-output.ts';
import type { RetryPolicy } from './run-attempts.ts';
import type { SessionNotifier } from './session-notifier.ts';
import { generateSessionTitle } from './session-title.ts';
import { TurnRunner } from './turn-runner.ts';
import { interruptTurn } from './turn-watchdog.ts';

/** Follow-ups waiting per session; beyond this a send is answered 429. */
export const maxPendingMessages = 10;

export interface TurnServiceOptions {
  store: SessionStore;
  transcripts: TranscriptStore;
  files: FileStore;
  fileBlobs: FileBlobs;
  lock: Lock;
  registry: StreamRegistry;
  queue: TurnQueue;
  pending: PendingMessages;
  runtime: AgentRuntime | null;
  /** The model for the engine's own calls (titles, summaries); null when no model is configured. */
  utilityModel: LanguageModel | null;
  retryPolicy: RetryPolicy;
  workspaces: Workspaces;
  createTools: () => AnyToolDefinition[];
  modelName: string;
  lockTtlMs: number;
  /** A turn running longer than this is ended with `turn_timeout`. */
  maxTurnMs: number;
  /** Turns run at once; more wait in the queue. */
  maxRunningTurns: number;
  modelSetupHint: string;
  /** Tells `GET /api/events` viewers when a turn starts or ends, a message waits, or a title is set. */
  notifier: SessionNotifier;
  metrics: Metrics;
  logger: Logger;
}

export type SubmitResult =
  | { kind: 'started' | 'duplicate'; turnId: string }
  | { kind: 'queued'; count: number };

/**
 * Admits messages and runs turns detached from any request: a turn belongs to the server.
 * A message that arrives while its session's turn runs waits in a bounded queue and is
 * delivered into that turn (when the runtime can) or starts the next one.
 */
export class TurnService {
  readonly #options: TurnServiceOptions;
  readonly #runner: TurnRunner;
  readonly #background = new Set<Promise<unknown>>();
  #closing = false;
  /** Aborted at shutdown: background work stops waiting on turns that will not run. */
  readonly #closed = new AbortController();
  /** Turns this process just admitted: its runner takes them from here instead of reading them back. */
  readonly #admitted = new Map<string, { turn: TurnRecord; userMessages: StoredMessage[] }>();

  constructor(options: TurnServiceOptions) {
    this.#options = options;
    this.#runner = new TurnRunner(options);
    options.queue.consume({ handler: (job) => this.#run(job), concurrency: options.maxRunningTurns });
  }

  async submit(request: TurnRequest): Promise<SubmitResult> {
    const { store, lock, pending } = this.#options;
    if (this.#closing) {
      throw new AppError('service_unavailable', 'The server is shutting down. Try again in a moment.', {
        status: 503,
        headers: { 'retry-after': '5' },
      });
    }
    validateRequest(request);
    const scope = { ownerId: request.ownerId, sessionId: request.sessionId };
    await assertSessionExists({ store, scope });
    const lastUser = await store.getLastUserMessage(scope);
    const duplicate = await findDuplicateTurn({ store, request, lastUser });
    if (duplicate) return { kind: 'duplicate', turnId: duplicate.id };
    const files = await findAttachedFiles({
      files: this.#options.files,
      scope,
      fileIds: request.fileIds ?? [],
    });

    const message: IncomingMessage = { text: request.text, clientMessageId: request.clientMessageId ?? null };
    // Earlier messages still waiting go first, so order is kept even if the lock is free right now.
    if ((await pending.count(request.sessionId)) === 0) {
      const turnId = createId();
      const lease = await lock.acquire({
        key: lockKeyOf(request.sessionId),
        owner: turnId,
        ttlMs: this.#options.lockTtlMs,
      });
      if (lease) {
        await this.#start({
          scope,
          lease,
          turnId,
          messages: [message],
          isFirstMessage: lastUser === null,
          files,
        });
        return { kind: 'started', turnId };
      }
    }
    // Waiting messages carry text only: their attachments would have nowhere to go yet.
    if (files.length > 0) {
      throw new AppError(
        'turn_in_progress',
        'A reply is still running. Send files once it has finished, or stop it first.',
        { status: 409 },
      );
    }
    const pushed = await pending.push({
      sessionId: request.sessionId,
      max: maxPendingMessages,
      message: { id: createId(), ownerId: request.ownerId, ...message, enqueuedAt: new Date().toISOString() },
    });
    if (!pushed.accepted) {
      throw new AppError('queue_full', `At most ${maxPendingMessages} messages can wait while a turn runs.`, {
        status: 429,
        headers: { 'retry-after': '5' },
      });
    }
    await this.#options.notifier.changed(scope);
    // The running turn may have ended between our lock attempt and the push: then nobody else would start it.
    await this.#startNext(scope);
    return { kind: 'queued', count: pushed.count };
  }

  /** Stops the session's running turn and waits until it has ended. Waiting follow-ups are dropped. */
  async cancel(scope: Scope): Promise<boolean> {
    const { store, pending } = this.#options;
    await assertSessionExists({ store, scope });
    await pending.clear(scope.sessionId);
    const turn = await store.getActiveTurn(scope);
    if (!turn || !(await this.#runner.stop(turn.id))) return false;
    await pending.clear(scope.sessionId);
    return true;
  }

  /** Marks turns nobody runs any more as interrupted, and ends turns past their lifetime. */
  async checkTurns(): Promise<number> {
    const { store, lock } = this.#options;
    this.#runner.stopOverdue(this.#options.maxTurnMs);
    let interrupted = 0;
    for (const turn of await store.listRunningTurns()) {
      // Each turn on its own: one that cannot be settled now must not keep the others running.
      try {
        if (this.#runner.has(turn.id)) continue;
        const holder = await lock.holder(lockKeyOf(turn.sessionId));
        if (holder?.owner === turn.id) continue;
        if (!(await interruptTurn({ deps: this.#options, turn }))) continue;
        interrupted += 1;
        await this.#options.notifier.changed({ ownerId: turn.ownerId, sessionId: turn.sessionId });
      } catch (error) {
        this.#options.logger.error({ err: error, turn: turn.id }, 'settling a turn without a runner failed');
      }
    }
    return interrupted;
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

  #watchdog: NodeJS.Timeout | undefined;

  /**
   * Stops taking turns, lets running ones finish for up to `graceMs`, ends the rest as
   * interrupted, waits for background work, then closes the runtime.
   */
  async shutdown(options: { graceMs: number } = { graceMs: 0 }): Promise<void> {
    this.#closing = true;
    clearInterval(this.#watchdog);
    this.#closed.abort();
    await this.#runner.stopAll({ graceMs: options.graceMs });
    await this.#options.queue.close();
    await Promise.allSettled([...this.#background]);
    await this.#options.runtime?.close();
  }

  /** Drops what is kept for a deleted session. */
  async forgetSession(sessionId: string): Promise<void> {
    await this.#options.pending.clear(sessionId);
    await this.#options.runtime?.forget(sessionId);
  }

  /** Stores the turn, opens its stream and hands it to the queue. The caller holds `lease`. */
  async #start(options: {
    scope: Scope;
    lease: LockLease;
    turnId: string;
    messages: IncomingMessage[];
    isFirstMessage?: boolean;
    /** Files attached to the first message. */
    files?: FileRecord[];
  }): Promise<void> {
    const { store, registry, lock, queue, fileBlobs, workspaces, notifier, logger } = this.#options;
    try {
      const { files, ...rest } = options;
      const { turn, userMessages, isFirstMessage } = await beginTurn({
        store,
        ...rest,
        attach: files?.length ? { files, blobs: fileBlobs, workspaces, logger } : undefined,
      });
      this.#admitted.set(turn.id, { turn, userMessages });
      await registry.open(turn.id);
      // Before the runner gets it: an idle tab can follow the turn from here (its stream is open).
      await notifier.changed(options.scope);
      await queue.enqueue({ turnId: turn.id, sessionId: turn.sessionId, ownerId: turn.ownerId });
      const model = this.#options.utilityModel;
      if (isFirstMessage && model) {
        const text = userMessages[0]?.content ?? '';
        // After the first token: the title request must not compete with it. A failed wait still names it.
        const afterFirstOutput = firstOutput({ registry, streamId: turn.id, signal: this.#closed.signal });
        this.#track(
          afterFirstOutput
            .catch(() => undefined)
            .then(() =>
              generateSessionTitle({
                store,
                model,
                scope: options.scope,
                text,
                logger: this.#options.logger.child({ session: turn.sessionId }),
              }),
            )
            .then(async (named) => {
              if (named) await notifier.changed(options.scope);
            }),
        );
      }
    } catch (error) {
      this.#admitted.delete(options.turnId);
      await lock.release(options.lease);
      throw error;
    }
  }

  /** Starts a turn for the waiting messages, unless a turn holds the session. */
  async #startNext(scope: Scope): Promise<void> {
    const { lock, pending } = this.#options;
    if (this.#closing) return;
    if ((await pending.count(scope.sessionId)) === 0) return;
    const turnId = createId();
    const lease = await lock.acquire({
      key: lockKeyOf(scope.sessionId),
      owner: turnId,
      ttlMs: this.#options.lockTtlMs,
    });
    if (!lease) return;
    const waiting = await pending.take({ sessionId: scope.sessionId, max: maxPendingMessages });
    if (waiting.length === 0) {
      await lock.release(lease);
      return;
    }
    const ownerScope = { ownerId: waiting[0]!.ownerId, sessionId: scope.sessionId };
    await this.#start({
      scope: ownerScope,
      lease,
      turnId,
      messages: waiting.map((message) => ({ text: message.text, clientMessageId: message.clientMessageId })),
    });
  }

  /** Runs one admitted turn to its end, then starts whatever waits. */
  async #run(job: TurnJob): Promise<void> {
    const admitted = this.#admitted.get(job.turnId);
    this.#admitted.delete(job.turnId);
    await this.#runner.run(job, admitted);
    const scope = { ownerId: job.ownerId, sessionId: job.sessionId };
    await this.#options.notifier.changed(scope);
    await this.#startNext(scope).catch((error: unknown) => {
      this.#options.logger.error(
        { err: error, session: job.sessionId },
        'starting the next queued turn failed',
      );
    });
  }

  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    work.finally(() => this.#background.delete(work));
  }
}
