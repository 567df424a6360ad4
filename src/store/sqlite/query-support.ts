import type { Kysely, Transaction } from 'kysely';
import type { StoreDatabase } from '../database-schema.ts';

/** Every query function takes the database, or a transaction it should join. */
export interface WithDatabase {
  database: Kysely<StoreDatabase>;
}

/** For writes that must share the caller's transaction with others. */
export interface WithTransaction {
  transaction: Transaction<StoreDatabase>;
}

/** Stored timestamps: ISO 8601 text in UTC with millisecond precision, so they sort as text. */
export function now(): string {
  return new Date().toISOString();
}
