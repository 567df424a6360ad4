import type { Expression, Kysely, Transaction } from 'kysely';
import type { StoreDatabase } from '../database-schema.ts';
import type { Scope } from '../session-store.ts';
import type { Param } from './prepared-query.ts';

export type Database = Kysely<StoreDatabase>;

/** Every query function takes the database, or a transaction it should join. */
export interface WithDatabase {
  database: Database;
}

/** For writes that must share the caller's transaction with others. */
export interface WithTransaction {
  transaction: Transaction<StoreDatabase>;
}

/** Stored timestamps: ISO 8601 text in UTC with millisecond precision, so they sort as text. */
export function now(): string {
  return new Date().toISOString();
}

/**
 * A session's first message takes this seq: `sessions.next_seq` starts here, and every message is
 * appended through it. So a session whose `next_seq` is still this has never had a message, and no
 * message comes before a message with this seq.
 */
export const firstSeq = 1;

/** A scope's values, or a prepared query's placeholders for them. */
export type ScopeValues = { [Key in keyof Scope]: Scope[Key] | Expression<Scope[Key]> };

/** The scope's two values as placeholders, for the owner guard of a prepared query. */
export function scopeParams(param: Param<Scope>): ScopeValues {
  return { sessionId: param('sessionId'), ownerId: param('ownerId') };
}
