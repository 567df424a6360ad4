import { notFound } from '../../util/app-error.ts';
import { toWaitingMessage } from '../session-row-mappers.ts';
import type { NewWaitingMessage, Scope, StoredMessage, WaitingMessage } from '../session-store.ts';
import { directTransaction } from './direct-statements.ts';
import { insertMessages } from './message-queries.ts';
import { type Param, prepareQuery } from './prepared-query.ts';
import {
  type Database,
  now,
  type ScopeValues,
  scopeParams,
  type WithDatabase,
  type WithTransaction,
} from './query-support.ts';

const touchSession = prepareQuery((database: Database, param: Param<Scope>) =>
  database
    .updateTable('sessions')
    .set((expression) => ({ next_seq: expression.ref('next_seq') }))
    .where('id', '=', param('sessionId'))
    .where('owner_id', '=', param('ownerId'))
    .returning((expression) => [
      'next_seq',
      // The role of the session's last row: one step down the (session_id, seq) index.
      expression
        .selectFrom('messages as last')
        .select('last.role')
        .whereRef('last.session_id', '=', 'sessions.id')
        .orderBy('last.seq', 'desc')
        .limit(1)
        .as('last_role'),
    ]),
);

/**
 * Takes the session row's write lock (and checks the owner), so that concurrent writers of one
 * session's waiting messages run one after the other on every database. Null for a session the
 * owner does not have; else the seq its next message will take, and whether its last row is a
 * marker (only then can markers trail the conversation).
 */
export async function lockSession(
  options: WithTransaction & Scope,
): Promise<{ nextSeq: number; endsWithMarker: boolean } | null> {
  const [row] = (await touchSession.execute(options.transaction, options)).rows;
  return row ? { nextSeq: Number(row.next_seq), endsWithMarker: row.last_role === 'marker' } : null;
}

/** Takes values, or a prepared query's placeholders. */
function selectWaiting(database: Database, scope: ScopeValues) {
  return database
    .selectFrom('waiting_messages')
    .selectAll()
    .where('session_id', '=', scope.sessionId)
    .where('owner_id', '=', scope.ownerId)
    .orderBy('position', 'asc');
}

const selectAllWaiting = prepareQuery((database: Database, param: Param<Scope>) =>
  selectWaiting(database, scopeParams(param)),
);

const selectUnclaimedSteered = prepareQuery((database: Database, param: Param<Scope>) =>
  selectWaiting(database, scopeParams(param)).where('delivery', '=', 'steer').where('claimed_by', 'is', null),
);

export async function addWaitingMessage(
  options: WithDatabase & Scope & { message: NewWaitingMessage; newTurnId: string; max: number },
): Promise<
  { kind: 'added'; message: WaitingMessage } | { kind: 'full'; count: number } | { kind: 'duplicate' }
> {
  const { database, message, ...rest } = options;
  const scope = { ownerId: rest.ownerId, sessionId: rest.sessionId };
  return directTransaction(database, async (transaction) => {
    if (!(await lockSession({ transaction, ...scope }))) throw notFound('Session');
    const stored = await transaction
      .selectFrom('messages')
      .select('id')
      .where('session_id', '=', scope.sessionId)
      .where('client_message_id', '=', message.clientMessageId)
      .executeTakeFirst();
    const waiting = (await selectAllWaiting.execute(transaction, scope)).rows.map(toWaitingMessage);
    if (stored || waiting.some((row) => row.clientMessageId === message.clientMessageId)) {
      return { kind: 'duplicate' as const };
    }
    if (waiting.length >= options.max) return { kind: 'full' as const, count: waiting.length };
    const row = {
      id: message.id,
      session_id: scope.sessionId,
      owner_id: scope.ownerId,
      client_message_id: message.clientMessageId,
      turn_id: waiting[0]?.turnId ?? options.newTurnId,
      delivery: message.delivery,
      text: message.text,
      position: await nextPosition({ transaction, ...scope }),
      claimed_by: null,
      created_at: now(),
    };
    await transaction.insertInto('waiting_messages').values(row).execute();
    return { kind: 'added' as const, message: toWaitingMessage(row) };
  });
}

async function nextPosition(options: WithTransaction & Scope): Promise<number> {
  const row = await options.transaction
    .selectFrom('waiting_messages')
    .select((expression) => expression.fn.max('position').as('last'))
    .where('session_id', '=', options.sessionId)
    .executeTakeFirst();
  return Number(row?.last ?? 0) + 1;
}

export async function listWaitingMessages(options: WithDatabase & Scope): Promise<WaitingMessage[]> {
  const { rows } = await selectAllWaiting.execute(options.database, options);
  return rows.map(toWaitingMessage);
}

/** Removes and returns the session's waiting messages inside the caller's transaction, oldest first. */
export async function removeWaiting(
  options: WithTransaction & Scope & { keepClaimedBy: string | null },
): Promise<WaitingMessage[]> {
  const rows = (await selectAllWaiting.execute(options.transaction, options)).rows
    .map(toWaitingMessage)
    .filter((row) => options.keepClaimedBy === null || row.claimedBy !== options.keepClaimedBy);
  if (rows.length === 0) return [];
  await deleteWaitingRows({ transaction: options.transaction, rows });
  return rows;
}

async function deleteWaitingRows(options: WithTransaction & { rows: WaitingMessage[] }): Promise<void> {
  await options.transaction
    .deleteFrom('waiting_messages')
    .where(
      'id',
      'in',
      options.rows.map((row) => row.id),
    )
    .execute();
}

export async function takeWaitingMessages(
  options: WithDatabase & Scope & { keepClaimedBy: string | null; keptTurnId: string },
): Promise<WaitingMessage[]> {
  const { database, keptTurnId, ...rest } = options;
  return directTransaction(database, async (transaction) => {
    const taken = await removeWaiting({ transaction, ...rest });
    // What is left waits for a turn whose stream was not ended: a message joining it streams live.
    await transaction
      .updateTable('waiting_messages')
      .set({ turn_id: keptTurnId })
      .where('session_id', '=', rest.sessionId)
      .execute();
    return taken;
  });
}

export async function claimSteeredMessages(
  options: WithDatabase & Scope & { turnId: string },
): Promise<WaitingMessage[]> {
  const { database, turnId, ...scope } = options;
  return directTransaction(database, async (transaction) => {
    const rows = (await selectUnclaimedSteered.execute(transaction, scope)).rows.map(toWaitingMessage);
    if (rows.length === 0) return [];
    await transaction
      .updateTable('waiting_messages')
      .set({ claimed_by: turnId })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    return rows.map((row) => ({ ...row, claimedBy: turnId }));
  });
}

export async function deliverWaitingMessages(
  options: WithDatabase & Scope & { turnId: string; step: number; ids: string[] },
): Promise<StoredMessage[]> {
  const { database, turnId, step, ids, ...scope } = options;
  if (ids.length === 0) return [];
  return directTransaction(database, async (transaction) => {
    const rows = (
      await selectWaiting(transaction, scope)
        .where('claimed_by', '=', turnId)
        .where('id', 'in', ids)
        .execute()
    ).map(toWaitingMessage);
    if (rows.length === 0) return [];
    await deleteWaitingRows({ transaction, rows });
    return insertMessages({
      transaction,
      ...scope,
      messages: rows.map((row) => ({
        id: row.id,
        role: 'user' as const,
        content: row.text,
        clientMessageId: row.clientMessageId,
        turnId,
        step,
      })),
    });
  });
}

export async function listSessionsWithWaiting(options: WithDatabase): Promise<Scope[]> {
  const rows = await options.database
    .selectFrom('waiting_messages')
    .select(['session_id', 'owner_id'])
    .distinct()
    .execute();
  return rows.map((row) => ({ sessionId: row.session_id, ownerId: row.owner_id }));
}
