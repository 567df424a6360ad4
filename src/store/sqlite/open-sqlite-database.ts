import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Logger } from '../../util/logger.ts';
import type { StoreDatabase } from '../database-schema.ts';
import { runMigrations } from '../migrations/run-migrations.ts';
import { startBackgroundCheckpoints } from './background-checkpoints.ts';
import { runStatementsDirectly } from './direct-statements.ts';
import { StoreSqliteDialect } from './sqlite-dialect.ts';
import { withStatementCache } from './statement-cache.ts';

/** How long a statement waits for another connection's lock before it answers busy. */
export const busyTimeoutMs = 5_000;

/**
 * Opens (creating if needed) and migrates the embedded database. `':memory:'` works for tests. A
 * file database checkpoints its write-ahead log on a worker thread (`startBackgroundCheckpoints`).
 */
export async function openSqliteDatabase(options: {
  path: string;
  logger?: Logger;
  /** Tests make the worker checkpoint more often than the default. */
  checkpointIntervalMs?: number;
  checkpointFrames?: number;
}): Promise<Kysely<StoreDatabase>> {
  if (options.path !== ':memory:') await mkdir(dirname(resolve(options.path)), { recursive: true });
  const connection = new BetterSqlite3(options.path);
  try {
    connection.pragma('journal_mode = WAL');
    // NORMAL is durable in WAL mode except for the last transactions before a power loss: the
    // checkpoint worker syncs the log at least once a second.
    connection.pragma('synchronous = NORMAL');
    connection.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Deleted rows are overwritten with zeros, so a deleted conversation's text leaves the file.
    connection.pragma('secure_delete = ON');
    // ON DELETE CASCADE needs foreign keys, which plain SQLite leaves off per connection.
    connection.pragma('foreign_keys = ON');
    const statements = withStatementCache(connection);
    let checkpoints: { stop(): void } | null = null;
    let direct: { close(): void } | null = null;
    const dialect = new StoreSqliteDialect({
      database: {
        prepare: statements.prepare,
        close() {
          direct?.close();
          // The worker's connection first: the last to close copies the log over and removes it.
          checkpoints?.stop();
          statements.close();
        },
      },
    });
    const database = new Kysely<StoreDatabase>({ dialect });
    // Kysely makes the driver with the database.
    const driver = dialect.driver;
    if (!driver) throw new Error('The store dialect made no driver.');
    direct = runStatementsDirectly({
      database: database as Kysely<unknown>,
      connection,
      statements,
      isIdle: () => driver.idle,
    });
    await runMigrations(database);
    if (options.path !== ':memory:')
      checkpoints = startBackgroundCheckpoints({
        connection,
        path: options.path,
        logger: options.logger,
        intervalMs: options.checkpointIntervalMs,
        checkpointFrames: options.checkpointFrames,
      });
    return database;
  } catch (error) {
    connection.close();
    throw error;
  }
}
