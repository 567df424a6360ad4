import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrations } from './index.ts';

/** Brings the database to the latest schema. Idempotent: applied migrations are skipped. */
export async function runMigrations<Schema>(database: Kysely<Schema>): Promise<void> {
  const migrator = new Migrator({
    db: database,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed.`, { cause: error });
  }
}
