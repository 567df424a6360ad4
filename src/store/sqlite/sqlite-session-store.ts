import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Usage } from '../../protocol/index.ts';
import { notFound } from '../../util/app-error.ts';
import { createId } from '../../util/ids.ts';
import type { StoreDatabase } from '../database-schema.ts';
import { decodeSessionCursor, encodeSessionCursor } from '../session-cursor.ts';
import { toSessionRecord, toStoredMessage, toTurnRecord, toUsage } from '../session-row-mappers.ts';
import type {
  NewMessage,
  NewTurn,
  Scope,
  SessionRecord,
  SessionStore,
  StoredMessage,
  TurnRecord,
  TurnStatus,
  UserRecord,
} from '../session-store.ts';
import { openSqliteDatabase } from './open-sqlite-database.ts';

function now(): string {
  return new Date().toISOString();
}

/** True when the session exists and belongs to the owner: the guard of every scoped query. */
function ownsSession(scope: Scope) {
  return (expression: ExpressionBuilder<StoreDatabase, keyof StoreDatabase>) =>
    expression.exists(
      expression
        .selectFrom('sessions as owned')
        .select(expression.lit(1).as('one'))
        .where('owned.id', '=', scope.sessionId)
        .where('owned.owner_id', '=', scope.ownerId),
    );
}

const usageColumns = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
] as const;

/** Throws not_found unless the session exists for the owner; call inside the writing transaction. */
async function assertOwnsSession(options: { transaction: Transaction<StoreDatabase>; scope: Scope }) {
  const session = await options.transaction
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', options.scope.sessionId)
    .where('owner_id', '=', options.scope.ownerId)
    .executeTakeFirst();
  if (!session) throw notFound('Session');
}

/**
 * SessionStore on SQLite through Kysely. The queries are dialect-neutral on purpose, so a
 * Postgres store can share them.
 */
export class SqliteSessionStore implements SessionStore {
  readonly #database: Kysely<StoreDatabase>;

  constructor(database: Kysely<StoreDatabase>) {
    this.#database = database;
  }

  async ensureUser(user: UserRecord): Promise<void> {
    await this.#database
      .insertInto('users')
      .values({ id: user.id, name: user.name, created_at: now() })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
  }

  async createSession(options: { ownerId: string; title?: string | null }): Promise<SessionRecord> {
    const createdAt = now();
    const row = {
      id: createId(),
      owner_id: options.ownerId,
      title: options.title ?? null,
      next_seq: 1,
      created_at: createdAt,
      updated_at: createdAt,
    };
    await this.#database.insertInto('sessions').values(row).execute();
    return toSessionRecord({ ...row, running: false });
  }

  async getSession(scope: Scope): Promise<SessionRecord | null> {
    const row = await this.#selectSessions()
      .where('sessions.id', '=', scope.sessionId)
      .where('sessions.owner_id', '=', scope.ownerId)
      .executeTakeFirst();
    return row ? toSessionRecord(row) : null;
  }

  async listSessions(options: {
    ownerId: string;
    limit: number;
    cursor?: string;
  }): Promise<{ sessions: SessionRecord[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.floor(options.limit));
    let query = this.#selectSessions().where('sessions.owner_id', '=', options.ownerId);
    if (options.cursor !== undefined) {
      const cursor = decodeSessionCursor(options.cursor);
      query = query.where((expression) =>
        expression.or([
          expression('sessions.updated_at', '<', cursor.updatedAt),
          expression.and([
            expression('sessions.updated_at', '=', cursor.updatedAt),
            expression('sessions.id', '<', cursor.id),
          ]),
        ]),
      );
    }
    // One extra row tells whether another page exists without a count query.
    const rows = await query
      .orderBy('sessions.updated_at', 'desc')
      .orderBy('sessions.id', 'desc')
      .limit(limit + 1)
      .execute();
    const sessions = rows.slice(0, limit).map(toSessionRecord);
    const last = sessions.at(-1);
    const nextCursor =
      rows.length > limit && last ? encodeSessionCursor({ updatedAt: last.updatedAt, id: last.id }) : null;
    return { sessions, nextCursor };
  }

  async renameSession(options: Scope & { title: string }): Promise<SessionRecord | null> {
    await this.#database
      .updateTable('sessions')
      .set({ title: options.title, updated_at: now() })
      .where('id', '=', options.sessionId)
      .where('owner_id', '=', options.ownerId)
      .execute();
    return this.getSession(options);
  }

  async setTitleIfEmpty(options: Scope & { title: string }): Promise<boolean> {
    const result = await this.#database
      .updateTable('sessions')
      .set({ title: options.title })
      .where('id', '=', options.sessionId)
      .where('owner_id', '=', options.ownerId)
      .where('title', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteSession(scope: Scope): Promise<boolean> {
    // Messages, turns, usage and transcripts go with it through ON DELETE CASCADE.
    const result = await this.#database
      .deleteFrom('sessions')
      .where('id', '=', scope.sessionId)
      .where('owner_id', '=', scope.ownerId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async appendMessage(options: Scope & { message: NewMessage }): Promise<StoredMessage> {
    const { message } = options;
    const createdAt = now();
    return this.#database.transaction().execute(async (transaction) => {
      // Taking the seq from the session row keeps appends O(1) and serialises concurrent appends
      // on that row's write lock.
      const session = await transaction
        .updateTable('sessions')
        .set((expression) => ({ next_seq: expression('next_seq', '+', 1), updated_at: createdAt }))
        .where('id', '=', options.sessionId)
        .where('owner_id', '=', options.ownerId)
        .returning('next_seq')
        .executeTakeFirst();
      if (!session) throw notFound('Session');
      const row = {
        id: message.id,
        session_id: options.sessionId,
        seq: Number(session.next_seq) - 1,
        role: message.role,
        turn_id: message.turnId ?? null,
        step: message.step ?? null,
        content: message.content,
        tool_call: message.toolCall ? JSON.stringify(message.toolCall) : null,
        tool_call_id: message.toolCallId ?? null,
        metadata: JSON.stringify(message.metadata ?? {}),
        created_at: createdAt,
      };
      await transaction.insertInto('messages').values(row).execute();
      return toStoredMessage(row);
    });
  }

  async listMessages(options: Scope & { limit?: number; beforeSeq?: number }): Promise<StoredMessage[]> {
    let query = this.#database
      .selectFrom('messages')
      .selectAll('messages')
      .where('messages.session_id', '=', options.sessionId)
      .where(ownsSession(options));
    if (options.beforeSeq !== undefined) query = query.where('messages.seq', '<', options.beforeSeq);
    if (options.limit === undefined) {
      const rows = await query.orderBy('messages.seq', 'asc').execute();
      return rows.map(toStoredMessage);
    }
    // The last `limit` rows of the range: read them newest first, then restore ascending order.
    const rows = await query
      .orderBy('messages.seq', 'desc')
      .limit(Math.max(0, Math.floor(options.limit)))
      .execute();
    return rows.reverse().map(toStoredMessage);
  }

  async getLastUserMessage(scope: Scope): Promise<StoredMessage | null> {
    const row = await this.#database
      .selectFrom('messages')
      .selectAll('messages')
      .where('messages.session_id', '=', scope.sessionId)
      .where('messages.role', '=', 'user')
      .where(ownsSession(scope))
      .orderBy('messages.seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toStoredMessage(row) : null;
  }

  async deleteTrailingMarkers(scope: Scope): Promise<number> {
    const result = await this.#database
      .deleteFrom('messages')
      .where('messages.session_id', '=', scope.sessionId)
      .where('messages.role', '=', 'marker')
      .where(ownsSession(scope))
      .where((expression) =>
        expression(
          'messages.seq',
          '>',
          expression
            .selectFrom('messages as other')
            .select((inner) => inner.fn.coalesce(inner.fn.max('other.seq'), inner.lit(0)).as('last_seq'))
            .where('other.session_id', '=', scope.sessionId)
            .where('other.role', '!=', 'marker'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createTurn(turn: NewTurn): Promise<TurnRecord> {
    const row = {
      id: turn.id,
      session_id: turn.sessionId,
      owner_id: turn.ownerId,
      status: 'running',
      message_id: turn.messageId,
      client_message_id: turn.clientMessageId,
      user_message_id: turn.userMessageId,
      error_code: null,
      fencing_token: turn.fencingToken,
      started_at: now(),
      ended_at: null,
    };
    await this.#database.transaction().execute(async (transaction) => {
      await assertOwnsSession({ transaction, scope: turn });
      await transaction.insertInto('turns').values(row).execute();
    });
    return toTurnRecord(row);
  }

  async getTurn(options: Scope & { turnId: string }): Promise<TurnRecord | null> {
    const row = await this.#selectTurns(options).where('id', '=', options.turnId).executeTakeFirst();
    return row ? toTurnRecord(row) : null;
  }

  async findTurnByClientMessageId(options: Scope & { clientMessageId: string }): Promise<TurnRecord | null> {
    const row = await this.#selectTurns(options)
      .where('client_message_id', '=', options.clientMessageId)
      .executeTakeFirst();
    return row ? toTurnRecord(row) : null;
  }

  async getActiveTurn(scope: Scope): Promise<TurnRecord | null> {
    const row = await this.#selectTurns(scope)
      .where('status', '=', 'running')
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row ? toTurnRecord(row) : null;
  }

  async endTurn(options: {
    turnId: string;
    status: Exclude<TurnStatus, 'running'>;
    errorCode?: string | null;
  }): Promise<boolean> {
    const result = await this.#database
      .updateTable('turns')
      .set({ status: options.status, error_code: options.errorCode ?? null, ended_at: now() })
      .where('id', '=', options.turnId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async listRunningTurns(): Promise<TurnRecord[]> {
    const rows = await this.#database
      .selectFrom('turns')
      .selectAll()
      .where('status', '=', 'running')
      .orderBy('started_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toTurnRecord);
  }

  async recordUsage(options: Scope & { turnId: string; model: string; usage: Usage }): Promise<void> {
    const { usage } = options;
    await this.#database.transaction().execute(async (transaction) => {
      await assertOwnsSession({ transaction, scope: options });
      await transaction
        .insertInto('usage')
        .values({
          id: createId(),
          turn_id: options.turnId,
          session_id: options.sessionId,
          owner_id: options.ownerId,
          model: options.model,
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          cache_read_tokens: usage.cacheReadTokens,
          cache_write_tokens: usage.cacheWriteTokens,
          cost_usd: usage.costUsd,
          created_at: now(),
        })
        .execute();
    });
  }

  async getSessionUsage(scope: Scope): Promise<Usage> {
    const row = await this.#database
      .selectFrom('usage')
      .select((expression) =>
        usageColumns.map((column) =>
          expression.fn.coalesce(expression.fn.sum(column), expression.lit(0)).as(column),
        ),
      )
      .where('session_id', '=', scope.sessionId)
      .where('owner_id', '=', scope.ownerId)
      .executeTakeFirstOrThrow();
    return toUsage(row);
  }

  async close(): Promise<void> {
    await this.#database.destroy();
  }

  /** Sessions with `running`: whether a turn of theirs is running, computed in the same query. */
  #selectSessions() {
    return this.#database
      .selectFrom('sessions')
      .select((expression) => [
        'sessions.id',
        'sessions.owner_id',
        'sessions.title',
        'sessions.created_at',
        'sessions.updated_at',
        expression
          .exists(
            expression
              .selectFrom('turns')
              .select(expression.lit(1).as('one'))
              .whereRef('turns.session_id', '=', 'sessions.id')
              .where('turns.status', '=', 'running'),
          )
          .as('running'),
      ]);
  }

  #selectTurns(scope: Scope) {
    return this.#database
      .selectFrom('turns')
      .selectAll()
      .where('session_id', '=', scope.sessionId)
      .where('owner_id', '=', scope.ownerId);
  }
}

/** Opens (creating if needed) the SQLite file at `path`, or `':memory:'`, and migrates it. */
export async function createSqliteSessionStore(options: { path: string }): Promise<SqliteSessionStore> {
  return new SqliteSessionStore(await openSqliteDatabase(options));
}
