import type { LanguageModel } from 'ai';
import type { AgentRuntime } from '../agent/agent-runtime.ts';
import type { Lock } from '../coord/lock.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { Workspaces } from '../sandbox/workspaces.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import type { TranscriptStore } from '../store/transcript-store.ts';
import type { AnyToolDefinition } from '../tools/tool.ts';
import { AppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';
import { admitTurn, lockKeyOf, type TurnRequest } from './admit-turn.ts';
import { completeTurn } from './complete-turn.ts';
import type { RetryPolicy } from './run-attempts.ts';
import { runTurn } from './run-turn.ts';
import { generateSessionTitle } from './session-title.ts';
import { TurnRecorder } from './turn-recorder.ts';

export interface TurnServiceOptions {
  store: SessionStore;
  transcripts: TranscriptStore;
  lock: Lock;
  registry: StreamRegistry;
  runtime: AgentRuntime | null;
  /** The model for the engine's own calls (titles, summaries); null when no model is configured. */
  utilityModel: LanguageModel | null;
  retryPolicy: RetryPolicy;
  workspaces: Workspaces;
  createTools: () => AnyToolDefinition[];
  modelName: string;
  lockTtlMs: number;
  modelSetupHint: string;
  logger: Logger;
}

interface RunningTurn {
  sessionId: string;
  controller: AbortController;
  done: Promise<void>;
}

/** Starts turns detached from any request, and stops them on demand. */
export class TurnService {
  readonly #options: TurnServiceOptions;
  readonly #running = new Map<string, RunningTurn>();
  readonly #background = new Set<Promise<unknown>>();

  constructor(options: TurnServiceOptions) {
    this.#options = options;
  }

  /** Admits the message and starts its turn; returns the turn id, which is also its stream id. */
  async submit(request: TurnRequest): Promise<{ turnId: string; duplicate: boolean }> {
    const { store, lock, registry, logger } = this.#options;
    const admission = await admitTurn({ store, lock, lockTtlMs: this.#options.lockTtlMs, request });
    if (admission.kind === 'duplicate') return { turnId: admission.turn.id, duplicate: true };

    const { turn, lease, userMessage } = admission;
    const turnLogger = logger.child({ session: turn.sessionId, turn: turn.id, turnNumber: userMessage.seq });
    await registry.open(turn.id);
    const controller = new AbortController();
    const done = runTurn({
      deps: this.#options,
      turn,
      lease,
      userMessage,
      signal: controller.signal,
      logger: turnLogger,
    })
      .catch(async (error: unknown) => {
        // completeTurn itself failed (e.g. the database is gone): free the session and the stream regardless.
        turnLogger.error({ err: error }, 'ending the turn failed');
        await lock.release(lease).catch(() => undefined);
        await registry.close(turn.id).catch(() => undefined);
      })
      .finally(() => this.#running.delete(turn.id));
    this.#running.set(turn.id, { sessionId: turn.sessionId, controller, done });

    if (admission.isFirstMessage && this.#options.utilityModel) {
      this.#track(
        generateSessionTitle({
          store,
          model: this.#options.utilityModel,
          scope: request,
          text: request.text,
          logger: turnLogger,
        }),
      );
    }
    return { turnId: turn.id, duplicate: false };
  }

  /** Stops the session's running turn and waits until it has ended. */
  async cancel(scope: Scope): Promise<boolean> {
    const session = await this.#options.store.getSession(scope);
    if (!session) throw new AppError('not_found', 'Session not found.', { status: 404 });
    const turn = await this.#options.store.getActiveTurn(scope);
    if (!turn) return false;
    const running = this.#running.get(turn.id);
    if (!running) return false;
    running.controller.abort();
    await running.done;
    return true;
  }

  /** Marks turns left running by a previous process as interrupted, with a marker a reload shows. */
  async recoverInterrupted(): Promise<number> {
    const { store, lock, registry, logger } = this.#options;
    const orphans = (await store.listRunningTurns()).filter((turn) => !this.#running.has(turn.id));
    for (const turn of orphans) {
      const turnLogger = logger.child({ session: turn.sessionId, turn: turn.id });
      const streamExists = (await registry.state(turn.id)) !== null;
      if (!streamExists) await registry.open(turn.id);
      const recorder = new TurnRecorder({
        registry,
        store,
        scope: { ownerId: turn.ownerId, sessionId: turn.sessionId },
        turnId: turn.id,
        logger: turnLogger,
      });
      if (!streamExists) recorder.publish({ type: 'start', messageId: turn.messageId });
      const holder = await lock.holder(lockKeyOf(turn.sessionId));
      await completeTurn({
        deps: this.#options,
        turn,
        outcome: {
          status: 'interrupted',
          error: new AppError(
            'turn_interrupted',
            'The server stopped before this reply finished. Send your message again to continue.',
            { retryable: true },
          ),
        },
        recorder,
        lease: holder?.owner === turn.id ? { key: lockKeyOf(turn.sessionId), ...holder } : null,
        fallbackModel: this.#options.modelName,
      });
      turnLogger.warn('marked an orphaned turn as interrupted');
    }
    return orphans.length;
  }

  isRunning(turnId: string): boolean {
    return this.#running.has(turnId);
  }

  /** Stops every running turn and waits for them and for background work (titles), then closes the runtime. */
  async shutdown(): Promise<void> {
    for (const running of this.#running.values()) running.controller.abort();
    await Promise.all([...this.#running.values()].map((running) => running.done));
    await Promise.allSettled([...this.#background]);
    await this.#options.runtime?.close();
  }

  /** Drops what the runtime keeps for a deleted session. */
  async forgetSession(sessionId: string): Promise<void> {
    await this.#options.runtime?.forget(sessionId);
  }

  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    work.finally(() => this.#background.delete(work));
  }
}
