import { createHash, randomUUID } from 'node:crypto';

export function createId(): string {
  return randomUUID();
}

/** A filesystem-safe name derived from an id, so ids are never used raw in paths. */
export function toPathKey(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}
