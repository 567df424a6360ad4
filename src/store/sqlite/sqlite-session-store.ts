import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { ToolPermissionsChange, Usage } from '../../protocol/index.ts';
import type { Logger } from '../../util/logger.ts';
import type { StoreDatabase } from '../database-schema.ts';
import type {
  NewMessage,
  NewTurn,
  NewWaitingMessage,
  Scope,
  SessionRecord,
  SessionStore,
  StoredMessage,
  TurnRecord,
  TurnStatus,
  UserRecord,
  WaitingMessage,
} from '../session-store.ts';
import * as messageQueries from './message-queries.ts';
import { busyTimeoutMs, openSqliteDatabase } from './open-sqlite-database.ts';
import * as sessionQueries from './session-queries.ts';
import * as turnQueries from './turn-queries.ts';
import * as usageQueries from './usage-queries.ts';
import * as waitingQueries from './waiting-queries.ts';

/**
 * SessionStore on SQLite through Kysely. The query modules it delegates to are dialect-neutral on
 * purpose, so a Postgres store can share them.
 */
export class SqliteSessionStore implements SessionStore {
  readonly #database: Kysely<StoreDatabase>;
  readonly #logger: Logger | undefined;

  constructor(database: Kysely<StoreDatabase>, options: { logger?: Logger } = {}) {
    this.#database = database;
    this.#logger = options.logger;
  }

  ensureUser(user: UserRecord): Promise<void> {
    return sessionQueries.ensureUser({ database: this.#database, user });
  }

  createSession(options: { ownerId: string; title?: string | null }): Promise<SessionRecord> {
    return sessionQueries.createSession({ database: this.#database, ...options });
  }

  getSession(scope: Scope): Promise<SessionRecord | null> {
    return sessionQueries.getSession({ database: this.#database, ...scope });
  }

  listSessions(options: {
    ownerId: string;
    limit: number;
    cursor?: string;
  }): Promise<{ sessions: SessionRecord[]; nextCursor: string | null }> {
    return sessionQueries.listSessions({ database: this.#database, ...options });
  }

  renameSession(options: Scope & { title: string }): Promise<SessionRecord | null> {
    return sessionQueries.renameSession({ database: this.#database, ...options });
  }

  setSessionPermissions(
    options: Scope & { permissions: ToolPermissionsChange },
  ): Promise<SessionRecord | null> {
    return sessionQueries.setSessionPermissions({ database: this.#database, ...options });
  }

  setTitleIfEmpty(options: Scope & { title: string }): Promise<boolean> {
    return sessionQueries.setTitleIfEmpty({ database: this.#database, ...options });
  }

  listUntitledSessions(options: {
    limit: number;
  }): Promise<{ scope: Scope; turnId: string; text: string }[]> {
    return sessionQueries.listUntitledSessions({ database: this.#database, ...options });
  }

  async deleteSession(scope: Scope): Promise<boolean> {
    const deleted = await sessionQueries.deleteSession({ database: this.#database, ...scope });
    // The write-ahead log still holds the deleted pages until they are checkpointed into the file.
    if (deleted && !(await truncateLog(this.#database)))
      this.#logger?.error(
        { session: scope.sessionId },
        'the deleted session could not be cleared from the write-ahead log; it leaves when the log next starts over',
      );
    return deleted;
  }

  appendMessage(options: Scope & { message: NewMessage }): Promise<StoredMessage> {
    return messageQueries.appendMessage({ database: this.#database, ...options });
  }

  listMessages(options: Scope & { limit?: number; beforeSeq?: number }): Promise<StoredMessage[]> {
    return messageQueries.listMessages({ database: this.#database, ...options });
  }

  getLastUserMessage(scope: Scope): Promise<StoredMessage | null> {
    return messageQueries.getLastUserMessage({ database: this.#database, ...scope });
  }

  deleteTrailingMarkers(scope: Scope): Promise<number> {
    return messageQueries.deleteTrailingMarkers({ database: this.#database, ...scope });
  }

  findUserMessage(options: Scope & { clientMessageId: string }): Promise<StoredMessage | null> {
    return messageQueries.findUserMessage({ database: this.#database, ...options });
  }

  addWaitingMessage(
    options: Scope & { message: NewWaitingMessage; newTurnId: string; max: number },
  ): Promise<
    { kind: 'added'; message: WaitingMessage } | { kind: 'full'; count: number } | { kind: 'duplicate' }
  > {
    return waitingQueries.addWaitingMessage({ database: this.#database, ...options });
  }

  listWaitingMessages(scope: Scope): Promise<WaitingMessage[]> {
    return waitingQueries.listWaitingMessages({ database: this.#database, ...scope });
  }

  takeWaitingMessages(
    options: Scope & { keepClaimedBy: string | null; keptTurnId: string },
  ): Promise<WaitingMessage[]> {
    return waitingQueries.takeWaitingMessages({ database: this.#database, ...options });
  }

  claimSteeredMessages(options: Scope & { turnId: string }): Promise<WaitingMessage[]> {
    return waitingQueries.claimSteeredMessages({ database: this.#database, ...options });
  }

  deliverWaitingMessages(
    options: Scope & { turnId: string; step: number; ids: string[] },
  ): Promise<StoredMessage[]> {
    return waitingQueries.deliverWaitingMessages({ database: this.#database, ...options });
  }

  listSessionsWithWaiting(): Promise<Scope[]> {
    return waitingQueries.listSessionsWithWaiting({ database: this.#database });
  }

  beginTurn(
    options: Scope & {
      turn: Omit<NewTurn, 'sessionId' | 'ownerId' | 'userMessageId'>;
      messages: NewMessage[];
      takeWaiting?: boolean;
      regenerate?: boolean;
    },
  ): Promise<{ turn: TurnRecord; messages: StoredMessage[] }> {
    return turnQueries.beginTurn({ database: this.#database, ...options });
  }

  createTurn(turn: NewTurn): Promise<TurnRecord> {
    return turnQueries.createTurn({ database: this.#database, turn });
  }

  getTurn(options: Scope & { turnId: string }): Promise<TurnRecord | null> {
    return turnQueries.getTurn({ database: this.#database, ...options });
  }

  findTurnByClientMessageId(options: Scope & { clientMessageId: string }): Promise<TurnRecord | null> {
    return turnQueries.findTurnByClientMessageId({ database: this.#database, ...options });
  }

  getActiveTurn(scope: Scope): Promise<TurnRecord | null> {
    return turnQueries.getActiveTurn({ database: this.#database, ...scope });
  }

  endTurn(options: {
    turnId: string;
    status: Exclude<TurnStatus, 'running'>;
    errorCode?: string | null;
    usage?: { model: string; usage: Usage };
  }): Promise<boolean> {
    return turnQueries.endTurn({ database: this.#database, ...options });
  }

  listRunningTurns(): Promise<TurnRecord[]> {
    return turnQueries.listRunningTurns({ database: this.#database });
  }

  listTurns(options: Scope & { turnIds: string[] }): Promise<TurnRecord[]> {
    return turnQueries.listTurns({ database: this.#database, ...options });
  }

  recordUsage(options: Scope & { turnId: string; model: string; usage: Usage }): Promise<void> {
    return usageQueries.recordUsage({ database: this.#database, ...options });
  }

  getSessionUsage(scope: Scope): Promise<Usage> {
    return usageQueries.getSessionUsage({ database: this.#database, ...scope });
  }

  getTurnUsage(options: Scope & { turnIds: string[] }): Promise<Map<string, Usage>> {
    return usageQueries.getTurnUsage({ database: this.#database, ...options });
  }

  getOwnerUsage(options: { ownerId: string; since: string }): Promise<Usage> {
    return usageQueries.getOwnerUsage({ database: this.#database, ...options });
  }

  async close(): Promise<void> {
    await this.#database.destroy();
  }
}

/** How long a delete tries to empty the write-ahead log (as long as one wait for a lock took). */
const truncateDeadlineMs = busyTimeoutMs;

/**
 * Copies the write-ahead log into the file and empties it. It answers busy while the background
 * worker checkpoints (`background-checkpoints.ts`), or while another connection reads an older
 * snapshot. Each try is made without SQLite's busy wait, which would hold the event loop, and the
 * waiting between tries is done here. False if the log could not be emptied in time.
 */
async function truncateLog(database: Kysely<StoreDatabase>): Promise<boolean> {
  const deadline = performance.now() + truncateDeadlineMs;
  for (;;) {
    // One connection, held for the three statements: no other query runs with the wait off.
    const busy = await database.connection().execute(async (connection) => {
      await sql`PRAGMA busy_timeout = 0`.execute(connection);
      try {
        const { rows } = await sql<{ busy: number }>`PRAGMA wal_checkpoint(TRUNCATE)`.execute(connection);
        return rows[0]?.busy === 1;
      } finally {
        await sql.raw(`PRAGMA busy_timeout = ${busyTimeoutMs}`).execute(connection);
      }
    });
    if (!busy) return true;
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
}

/** Opens (creating if needed) the SQLite file at `path`, or `':memory:'`, and migrates it. */
export async function createSqliteSessionStore(options: {
  path: string;
  checkpointIntervalMs?: number;
  checkpointFrames?: number;
}): Promise<SqliteSessionStore> {
  return new SqliteSessionStore(await openSqliteDatabase(options));
}
