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
import type { RetryPolicy } from './run-attempts.ts';
import { runTurn } from './run-turn.ts';
import { generateSessionTitle } from './session-title.ts';
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
  modelSetupHint: string;
  logger: Logger;
}

export type SubmitResult =
  | { kind: 'started' | 'duplicate'; turnId: string }
  | { kind: 'queued'; count: number };

interface RunningTurn {
  sessionId: string;
  startedAt: number;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Admits messages and runs turns detached from any request: a turn belongs to the server.
 * A message that arrives while its session's turn runs waits in a bounded queue and is
 * delivered into that turn (when the runtime can) or starts the next one.
 */
export class TurnService {
  readonly #options: TurnServiceOptions;
  readonly #running = new Map<string, RunningTurn>();
  readonly #background = new Set<Promise<unknown>>();
  #closing = false;
  /** Turns this process just admitted: its runner takes them from here instead of reading them back. */
  readonly #admitted = new Map<string, { turn: TurnRecord; userMessages: StoredMessage[] }>();

  constructor(options: TurnServiceOptions) {
    this.#options = options;
    options.queue.consume({ handler: (job) => this.#run(job), concurrency: 64 });
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
    if (!turn) return false;
    const running = this.#running.get(turn.id);
    if (!running) return false;
    running.controller.abort();
    await running.done;
    await pending.clear(scope.sessionId);
    return true;
  }

  /** Marks turns nobody runs any more as interrupted, and ends turns past their lifetime. */
  async checkTurns(): Promise<number> {
    const { store, lock } = this.#options;
    const now = Date.now();
    for (const [turnId, running] of this.#running) {
      if (now - running.startedAt > this.#options.maxTurnMs) {
        running.controller.abort(
          new AppError(
            'turn_timeout',
            'This reply took too long and was stopped. Send a message to continue.',
            {
              retryable: true,
            },
          ),
        );
        this.#options.logger.warn({ turn: turnId }, 'turn exceeded its maximum lifetime');
      }
    }
    let interrupted = 0;
    for (const turn of await store.listRunningTurns()) {
      if (this.#running.has(turn.id)) continue;
      const holder = await lock.holder(lockKeyOf(turn.sessionId));
      if (holder?.owner === turn.id) continue;
      if (await interruptTurn({ deps: this.#options, turn })) interrupted += 1;
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

  isRunning(turnId: string): boolean {
    return this.#running.has(turnId);
  }

  /**
   * Stops taking turns, lets running ones finish for up to `graceMs`, ends the rest as
   * interrupted, waits for background work, then closes the runtime.
   */
  async shutdown(options: { graceMs: number } = { graceMs: 0 }): Promise<void> {
    this.#closing = true;
    clearInterval(this.#watchdog);
    const allDone = () => Promise.all([...this.#running.values()].map((running) => running.done));
    await Promise.race([allDone(), new Promise((resolve) => setTimeout(resolve, options.graceMs).unref())]);
    const interrupted = new AppError(
      'turn_interrupted',
      'The server restarted before this reply finished. Send your message again to continue.',
      { retryable: true },
    );
    for (const running of this.#running.values()) running.controller.abort(interrupted);
    await allDone();
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
    const { store, registry, lock, queue, fileBlobs, workspaces, logger } = this.#options;
    try {
      const { files, ...rest } = options;
      const { turn, userMessages, isFirstMessage } = await beginTurn({
        store,
        ...rest,
        attach: files?.length ? { files, blobs: fileBlobs, workspaces, logger } : undefined,
      });
      this.#admitted.set(turn.id, { turn, userMessages });
      await registry.open(turn.id);
      await queue.enqueue({ turnId: turn.id, sessionId: turn.sessionId, ownerId: turn.ownerId });
      if (isFirstMessage && this.#options.utilityModel) {
        const text = userMessages[0]?.content ?? '';
        this.#track(
          generateSessionTitle({
            store,
            model: this.#options.utilityModel,
            scope: options.scope,
            text,
            logger: this.#options.logger.child({ session: turn.sessionId }),
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

  /** The runner's side: runs one admitted turn to its end, then starts whatever waits. */
  async #run(job: TurnJob): Promise<void> {
    const { store, lock, registry, logger, pending } = this.#options;
    const scope = { ownerId: job.ownerId, sessionId: job.sessionId };
    const admitted = this.#admitted.get(job.turnId);
    this.#admitted.delete(job.turnId);
    const turn = admitted?.turn ?? (await store.getTurn({ ...scope, turnId: job.turnId }));
    if (turn?.status !== 'running') return;
    const lease = { key: lockKeyOf(turn.sessionId), owner: turn.id, fencingToken: turn.fencingToken };
    const userMessages =
      admitted?.userMessages ??
      (await store.listMessages({ ...scope, limit: maxPendingMessages + 5 })).filter(
        (message) => message.turnId === turn.id && message.role === 'user',
      );
    const turnLogger = logger.child({
      session: turn.sessionId,
      turn: turn.id,
      turnNumber: userMessages[0]?.seq,
    });
    const controller = new AbortController();
    const done = runTurn({
      deps: this.#options,
      turn,
      lease,
      userMessages,
      signal: controller.signal,
      logger: turnLogger,
      takeFollowUps: async () =>
        (await pending.take({ sessionId: turn.sessionId, max: maxPendingMessages })).map(
          (message) => message.text,
        ),
    }).catch(async (error: unknown) => {
      // Ending the turn itself failed (e.g. the database is gone): free the session and the stream regardless.
      turnLogger.error({ err: error }, 'ending the turn failed');
      await lock.release(lease).catch(() => undefined);
      // Viewers still get an end they can act on, even though nothing could be stored.
      const message = 'Something went wrong while saving this reply. Please try again.';
      for (const chunk of [
        { type: 'data-error', data: { code: 'internal_error', retryable: true, message } },
        { type: 'error', errorText: message },
        { type: 'finish', finishReason: 'error' },
      ] as const) {
        await registry.append(turn.id, chunk).catch(() => undefined);
      }
      await registry.close(turn.id).catch(() => undefined);
    });
    this.#running.set(turn.id, { sessionId: turn.sessionId, startedAt: Date.now(), controller, done });
    try {
      await done;
    } finally {
      this.#running.delete(turn.id);
    }
    await this.#startNext(scope).catch((error: unknown) => {
      turnLogger.error({ err: error }, 'starting the next queued turn failed');
    });
  }

  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    work.finally(() => this.#background.delete(work));
  }
}
