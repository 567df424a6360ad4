import type { Lock, LockLease } from '../lock.ts';

interface Holder {
  owner: string;
  fencingToken: number;
  expiresAt: number;
}

/** The embedded-mode lock: one process, so a map is enough. */
export class MemoryLock implements Lock {
  readonly #holders = new Map<string, Holder>();
  readonly #tokens = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async acquire(options: { key: string; owner: string; ttlMs: number }): Promise<LockLease | null> {
    if (this.#live(options.key)) return null;
    const fencingToken = (this.#tokens.get(options.key) ?? 0) + 1;
    this.#tokens.set(options.key, fencingToken);
    this.#holders.set(options.key, {
      owner: options.owner,
      fencingToken,
      expiresAt: this.#now() + options.ttlMs,
    });
    return { key: options.key, owner: options.owner, fencingToken };
  }

  async refresh(options: { lease: LockLease; ttlMs: number }): Promise<boolean> {
    const holder = this.#held(options.lease);
    if (!holder) return false;
    holder.expiresAt = this.#now() + options.ttlMs;
    return true;
  }

  async release(lease: LockLease): Promise<boolean> {
    if (!this.#held(lease)) return false;
    this.#holders.delete(lease.key);
    return true;
  }

  async holder(key: string): Promise<{ owner: string; fencingToken: number } | null> {
    const holder = this.#live(key);
    return holder ? { owner: holder.owner, fencingToken: holder.fencingToken } : null;
  }

  #live(key: string): Holder | undefined {
    const holder = this.#holders.get(key);
    if (holder && holder.expiresAt <= this.#now()) {
      this.#holders.delete(key);
      return undefined;
    }
    return holder;
  }

  #held(lease: LockLease): Holder | undefined {
    const holder = this.#live(lease.key);
    return holder && holder.fencingToken === lease.fencingToken ? holder : undefined;
  }
}
