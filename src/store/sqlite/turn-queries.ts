import type { Usage } from '../../protocol/index.ts';
import { AppError, badRequest, notFound } from '../../util/app-error.ts';
import type { TurnsTable } from '../database-schema.ts';
import { toStoredMessage, toTurnRecord } from '../session-row-mappers.ts';
import {
  DuplicateMessageKeyError,
  type NewMessage,
  type NewTurn,
  type Scope,
  type StoredMessage,
  type TurnRecord,
  type TurnStatus,
} from '../session-store.ts';
import { directTransaction } from './direct-statements.ts';
import { deleteTrailingMarkers, insertMessages } from './message-queries.ts';
import { assertOwnsSession } from './owner-scope.ts';
import { type Param, prepareQuery } from './prepared-query.ts';
import {
  type Database,
  now,
  type ScopeValues,
  scopeParams,
  type WithDatabase,
  type WithTransaction,
} from './query-support.ts';
import { insertUsageRow } from './usage-queries.ts';
import { lockSession, removeWaiting } from './waiting-queries.ts';

export async function createTurn(options: WithDatabase & { turn: NewTurn }): Promise<TurnRecord> {
  const { turn } = options;
  return directTransaction(options.database, async (transaction) => {
    await assertOwnsSession({ database: transaction, scope: turn });
    return insertTurn({ transaction, turn });
  });
}

/**
 * In one transaction: trailing markers go, the user messages are appended with the turn's id, and
 * the `running` turn points at the first of them. A failure anywhere (a foreign session, a
 * duplicate clientMessageId) rolls all of it back.
 */
export async function beginTurn(
  options: WithDatabase &
    Scope & {
      turn: Omit<NewTurn, 'sessionId' | 'ownerId' | 'userMessageId'>;
      messages: NewMessage[];
      takeWaiting?: boolean;
      regenerate?: boolean;
      regenerateOf?: string;
    },
): Promise<{ turn: TurnRecord; messages: StoredMessage[] }> {
  const { database, turn } = options;
  const scope = { ownerId: options.ownerId, sessionId: options.sessionId };
  const stored = directTransaction(database, async (transaction) => {
    const locked = await lockSession({ transaction, ...scope });
    if (!locked) throw notFound('Session');
    if (options.regenerate) {
      const messages = await takeOverLastTurn({
        transaction,
        ...scope,
        turnId: turn.id,
        expected: options.regenerateOf,
      });
      const record = await insertTurn({
        transaction,
        turn: { ...turn, ...scope, userMessageId: messages[0]!.id },
      });
      return { turn: record, messages };
    }
    const waiting = options.takeWaiting
      ? await removeWaiting({ transaction, ...scope, keepClaimedBy: null })
      : [];
    const incoming: NewMessage[] = [
      ...options.messages,
      ...waiting.map((message) => ({
        id: message.id,
        role: 'user' as const,
        content: message.text,
        clientMessageId: message.clientMessageId,
      })),
    ];
    if (incoming.length === 0) throw new Error('A turn starts with at least one user message.');
    // Markers trail the conversation only if its last row is one (a new chat has no rows at all).
    if (locked.endsWithMarker) await deleteTrailingMarkers({ database: transaction, ...scope });
    const messages = await insertMessages({
      transaction,
      ...scope,
      messages: incoming.map((message) => ({ ...message, turnId: turn.id })),
    });
    const record = await insertTurn({
      transaction,
      turn: { ...turn, ...scope, userMessageId: messages[0]!.id },
    });
    return { turn: record, messages };
  });
  return stored.catch((error: unknown) => {
    throw isMessageKeyTaken(error) ? new DuplicateMessageKeyError({ cause: error }) : error;
  });
}

/** SQLite's refusal of a second user message (or turn) with the same key in a session. */
function isMessageKeyTaken(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof message === 'string' &&
    message.includes('.session_id') &&
    message.includes('.client_message_id')
  );
}

/**
 * For a regenerate: the last turn's user messages become `turnId`'s, and every other row from the
 * first of them on is superseded by it. Returns those user messages, in order.
 */
async function takeOverLastTurn(
  options: WithTransaction & Scope & { turnId: string; expected?: string },
): Promise<StoredMessage[]> {
  const { transaction, sessionId, turnId, expected } = options;
  const visible = () =>
    transaction
      .selectFrom('messages')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('superseded_by', 'is', null);
  const lastUser = await visible()
    .where('role', '=', 'user')
    .where('turn_id', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!lastUser?.turn_id) throw badRequest('bad_request', 'There is no message to run again.');
  if (expected !== undefined && expected !== lastUser.turn_id) {
    const asked = await visible()
      .select('id')
      .where('role', '=', 'user')
      .where('turn_id', '=', lastUser.turn_id)
      .where('client_message_id', '=', expected)
      .executeTakeFirst();
    if (!asked) throw messageNotLast();
  }
  const first = await visible()
    .where('role', '=', 'user')
    .where('turn_id', '=', lastUser.turn_id)
    .orderBy('seq', 'asc')
    .limit(1)
    .executeTakeFirstOrThrow();
  await transaction
    .updateTable('messages')
    .set({ superseded_by: turnId })
    .where('session_id', '=', sessionId)
    .where('seq', '>=', first.seq)
    .where('role', '!=', 'user')
    .where('superseded_by', 'is', null)
    .execute();
  await transaction
    .updateTable('messages')
    .set({ turn_id: turnId })
    .where('session_id', '=', sessionId)
    .where('seq', '>=', first.seq)
    .where('role', '=', 'user')
    .execute();
  const rows = await visible().where('turn_id', '=', turnId).orderBy('seq', 'asc').execute();
  return rows.map(toStoredMessage);
}

const selectTurn = prepareQuery((database: Database, param: Param<Scope & { turnId: string }>) =>
  selectTurns(database, scopeParams(param)).where('id', '=', param('turnId')),
);

export async function getTurn(
  options: WithDatabase & Scope & { turnId: string },
): Promise<TurnRecord | null> {
  const [row] = (await selectTurn.execute(options.database, options)).rows;
  return row ? toTurnRecord(row) : null;
}

export async function findTurnByClientMessageId(
  options: WithDatabase & Scope & { clientMessageId: string },
): Promise<TurnRecord | null> {
  const row = await selectTurns(options.database, options)
    .where('client_message_id', '=', options.clientMessageId)
    .executeTakeFirst();
  return row ? toTurnRecord(row) : null;
}

export async function getActiveTurn(options: WithDatabase & Scope): Promise<TurnRecord | null> {
  const row = await selectTurns(options.database, options)
    .where('status', '=', 'running')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? toTurnRecord(row) : null;
}

const setTurnEnded = prepareQuery(
  (
    database: Database,
    param: Param<{ turnId: string; status: string; errorCode: string | null; endedAt: string }>,
  ) =>
    database
      .updateTable('turns')
      .set({ status: param('status'), error_code: param('errorCode'), ended_at: param('endedAt') })
      .where('id', '=', param('turnId'))
      .where('status', '=', 'running')
      .returning(['session_id', 'owner_id']),
);

/**
 * Compare-and-set from `running`; returns false when the turn was not running. With `usage`, the
 * turn's usage row is stored in the same transaction, under the turn's own session and owner, and
 * only by the call that ended it: no crash can leave an ended turn without its usage on record.
 */
export async function endTurn(
  options: WithDatabase & {
    turnId: string;
    status: Exclude<TurnStatus, 'running'>;
    errorCode?: string | null;
    usage?: { model: string; usage: Usage };
  },
): Promise<boolean> {
  const end = async (database: Database): Promise<boolean> => {
    const { rows } = await setTurnEnded.execute(database, {
      turnId: options.turnId,
      status: options.status,
      errorCode: options.errorCode ?? null,
      endedAt: now(),
    });
    const ended = rows[0];
    if (!ended) return false;
    if (options.usage) {
      await insertUsageRow({
        database,
        ownerId: ended.owner_id,
        sessionId: ended.session_id,
        turnId: options.turnId,
        ...options.usage,
      });
    }
    return true;
  };
  if (!options.usage) return end(options.database);
  return directTransaction(options.database, end);
}

export async function listRunningTurns(options: WithDatabase): Promise<TurnRecord[]> {
  const rows = await options.database
    .selectFrom('turns')
    .selectAll()
    .where('status', '=', 'running')
    .orderBy('started_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map(toTurnRecord);
}

export async function listTurns(
  options: WithDatabase & Scope & { turnIds: string[] },
): Promise<TurnRecord[]> {
  if (options.turnIds.length === 0) return [];
  const rows = await selectTurns(options.database, options).where('id', 'in', options.turnIds).execute();
  return rows.map(toTurnRecord);
}

const insertTurnRow = prepareQuery((database: Database, param: Param<TurnsTable>) =>
  database.insertInto('turns').values({
    id: param('id'),
    session_id: param('session_id'),
    owner_id: param('owner_id'),
    status: param('status'),
    message_id: param('message_id'),
    client_message_id: param('client_message_id'),
    user_message_id: param('user_message_id'),
    error_code: param('error_code'),
    fencing_token: param('fencing_token'),
    started_at: param('started_at'),
    ended_at: param('ended_at'),
  }),
);

/** Inserts a `running` turn; the caller has checked that the owner has the session. */
async function insertTurn(options: WithTransaction & { turn: NewTurn }): Promise<TurnRecord> {
  const { turn } = options;
  const row: TurnsTable = {
    id: turn.id,
    session_id: turn.sessionId,
    owner_id: turn.ownerId,
    status: 'running',
    message_id: turn.messageId,
    client_message_id: turn.clientMessageId ?? null,
    user_message_id: turn.userMessageId,
    error_code: null,
    fencing_token: turn.fencingToken,
    started_at: now(),
    ended_at: null,
  };
  await insertTurnRow.execute(options.transaction, row);
  return toTurnRecord(row);
}

function selectTurns(database: Database, scope: ScopeValues) {
  return database
    .selectFrom('turns')
    .selectAll()
    .where('session_id', '=', scope.sessionId)
    .where('owner_id', '=', scope.ownerId);
}

function messageNotLast(): AppError {
  return new AppError(
    'message_not_last',
    'That message is not the last one in this conversation (newer messages came after it, or it was never stored), so it was not run again.',
    { status: 409 },
  );
}
