import { addUsage, emptyUsage, type Usage } from '../protocol/index.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';

/**
 * A turn's usage: the total its viewers are shown, and the ledger's share of it. Each model call's
 * usage is stored as soon as the runtime reports it, so a process that dies mid-turn (kill -9)
 * loses only the call in flight; the engine's own calls (a summary), and any call whose row could
 * not be stored, go into the row stored with the turn's end.
 */
export class TurnUsage {
  readonly #store: Pick<SessionStore, 'recordUsage'>;
  readonly #scope: Scope;
  readonly #turnId: string;
  readonly #logger: Logger;
  #total: Usage = emptyUsage;
  #model: string | null = null;
  /** What no row holds yet: the engine's own calls, and calls whose row failed. */
  #unstored: Usage = emptyUsage;
  #storedAny = false;
  readonly #writes = new Set<Promise<void>>();

  constructor(options: {
    store: Pick<SessionStore, 'recordUsage'>;
    scope: Scope;
    turnId: string;
    logger: Logger;
  }) {
    this.#store = options.store;
    this.#scope = options.scope;
    this.#turnId = options.turnId;
    this.#logger = options.logger;
  }

  get total(): Usage {
    return this.#total;
  }

  /** The model of the last call the runtime reported; null before any. */
  get model(): string | null {
    return this.#model;
  }

  /** One model call of the runtime: counted, and stored at once under its own model. */
  recordCall(call: { usage: Usage; model: string }): void {
    this.#total = addUsage(this.#total, call.usage);
    this.#model = call.model;
    const write = this.#store
      .recordUsage({ ...this.#scope, turnId: this.#turnId, model: call.model, usage: call.usage })
      .then(
        () => {
          this.#storedAny = true;
        },
        (error: unknown) => {
          this.#logger.warn({ err: error }, 'storing a model call’s usage failed; the turn’s end stores it');
          this.#unstored = addUsage(this.#unstored, call.usage);
        },
      )
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
  }

  /** Usage a runner that is gone already stored for this turn: counted, not stored again. */
  countStored(usage: Usage): void {
    this.#total = addUsage(this.#total, usage);
    this.#storedAny = true;
  }

  /** Usage of the engine's own calls for this turn (a summary): counted, stored with the turn's end. */
  add(usage: Usage): void {
    this.#total = addUsage(this.#total, usage);
    this.#unstored = addUsage(this.#unstored, usage);
  }

  /**
   * What the turn's end must store, once the writes in flight have settled: null when every call
   * already has its row. A turn with no row at all stores one, zeros included, as it always has.
   */
  async unstored(): Promise<Usage | null> {
    while (this.#writes.size > 0) await Promise.all(this.#writes);
    const nothingLeft = Object.values(this.#unstored).every((value) => value === 0 || value === true);
    return this.#storedAny && nothingLeft ? null : this.#unstored;
  }
}
