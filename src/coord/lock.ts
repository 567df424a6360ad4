export interface LockLease {
  key: string;
  owner: string;
  /** Grows with every successful acquisition of the key; writers present it so stale holders are refused. */
  fencingToken: number;
}

/** A per-key mutual-exclusion lock with a TTL, so a crashed holder cannot block the key forever. */
export interface Lock {
  /** Returns null when another live owner holds the key. */
  acquire(options: { key: string; owner: string; ttlMs: number }): Promise<LockLease | null>;
  /** Extends the TTL; returns false if the lease was lost (expired or taken over). */
  refresh(options: { lease: LockLease; ttlMs: number }): Promise<boolean>;
  /** Releases only if the lease is still held; returns whether it was. Must be idempotent. */
  release(lease: LockLease): Promise<boolean>;
  /** The current live holder of the key, if any. */
  holder(key: string): Promise<{ owner: string; fencingToken: number } | null>;
}
