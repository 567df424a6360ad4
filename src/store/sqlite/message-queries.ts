import type { Insertable } from 'kysely';
import { notFound } from '../../util/app-error.ts';
import type { MessagesTable } from '../database-schema.ts';
import { toStoredMessage } from '../session-row-mappers.ts';
import type { MessageRole, NewMessage, Scope, StoredMessage, ToolCallRecord } from '../session-store.ts';
import { directTransaction } from './direct-statements.ts';
import { ownsSession } from './owner-scope.ts';
import { type Param, prepareQuery } from './prepared-query.ts';
import {
  type Database,
  firstSeq,
  now,
  scopeParams,
  type WithDatabase,
  type WithTransaction,
} from './query-support.ts';

export async function appendMessage(
  options: WithDatabase & Scope & { message: NewMessage },
): Promise<StoredMessage> {
  const { database, message, ...scope } = options;
  const [stored] = await directTransaction(database, (transaction) =>
    insertMessages({ transaction, ...scope, messages: [message] }),
  );
  return stored!;
}

const reserveSeqs = prepareQuery(
  (database: Database, param: Param<Scope & { count: number; updatedAt: string }>) =>
    database
      .updateTable('sessions')
      .set((expression) => ({
        next_seq: expression('next_seq', '+', param('count')),
        updated_at: param('updatedAt'),
      }))
      .where('id', '=', param('sessionId'))
      .where('owner_id', '=', param('ownerId'))
      .returning('next_seq'),
);

type MessageRow = Required<Omit<Insertable<MessagesTable>, 'superseded_by'>>;

const insertMessage = prepareQuery((database: Database, param: Param<MessageRow>) =>
  database.insertInto('messages').values({
    id: param('id'),
    session_id: param('session_id'),
    seq: param('seq'),
    role: param('role'),
    turn_id: param('turn_id'),
    step: param('step'),
    content: param('content'),
    tool_call: param('tool_call'),
    tool_call_id: param('tool_call_id'),
    metadata: param('metadata'),
    client_message_id: param('client_message_id'),
    created_at: param('created_at'),
  }),
);

/**
 * Appends the messages in order with the next seqs and touches the session's updatedAt, inside the
 * caller's transaction. Throws not_found for a session the owner does not have.
 */
export async function insertMessages(
  options: WithTransaction & Scope & { messages: NewMessage[] },
): Promise<StoredMessage[]> {
  const { transaction, messages } = options;
  if (messages.length === 0) return [];
  const createdAt = now();
  // Taking the seqs from the session row keeps appends O(1) and serialises concurrent appends
  // on that row's write lock.
  const [session] = (
    await reserveSeqs.execute(transaction, {
      sessionId: options.sessionId,
      ownerId: options.ownerId,
      count: messages.length,
      updatedAt: createdAt,
    })
  ).rows;
  if (!session) throw notFound('Session');
  const firstSeq = Number(session.next_seq) - messages.length;
  const rows = messages.map(
    (message, index): MessageRow => ({
      id: message.id,
      session_id: options.sessionId,
      seq: firstSeq + index,
      role: message.role,
      turn_id: message.turnId ?? null,
      step: message.step ?? null,
      content: message.content,
      tool_call: message.toolCall ? JSON.stringify(message.toolCall) : null,
      tool_call_id: message.toolCallId ?? null,
      metadata: JSON.stringify(message.metadata ?? {}),
      client_message_id: message.clientMessageId ?? null,
      created_at: createdAt,
    }),
  );
  // One row is the common case; several (a turn taking waiting messages) are built per call.
  if (rows.length === 1) await insertMessage.execute(transaction, rows[0]!);
  else await transaction.insertInto('messages').values(rows).execute();
  return rows.map(writtenMessage);
}

/**
 * The record of a row this call built and wrote. Its fields are typed already, so it skips the
 * schema a row read back goes through (a zod parse of every message written was about 1% of a
 * turn's CPU in the load bench's profile); its JSON columns are parsed from the text written, so
 * the record shares no object with the caller's, as a read would not.
 */
function writtenMessage(row: MessageRow): StoredMessage {
  const toolCall = row.tool_call === null ? null : (JSON.parse(row.tool_call) as ToolCallRecord);
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    role: row.role as MessageRole,
    turnId: row.turn_id,
    step: row.step,
    content: row.content,
    toolCall: toolCall && { id: toolCall.id, name: toolCall.name, input: toolCall.input },
    toolCallId: row.tool_call_id,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    clientMessageId: row.client_message_id,
    createdAt: row.created_at,
  };
}

/** One prepared query per shape: with or without `beforeSeq`, with or without `limit`. */
function prepareListMessages(shape: { before: boolean; limited: boolean }) {
  return prepareQuery((database: Database, param: Param<Scope & { beforeSeq: number; limit: number }>) => {
    let query = database
      .selectFrom('messages')
      .selectAll('messages')
      .where('messages.session_id', '=', param('sessionId'))
      .where('messages.superseded_by', 'is', null)
      .where(ownsSession(scopeParams(param)));
    if (shape.before) query = query.where('messages.seq', '<', param('beforeSeq'));
    // The last `limit` rows of the range are read newest first; the caller restores the order.
    return shape.limited
      ? query.orderBy('messages.seq', 'desc').limit(param('limit'))
      : query.orderBy('messages.seq', 'asc');
  });
}

const listMessagesQueries = {
  all: prepareListMessages({ before: false, limited: false }),
  before: prepareListMessages({ before: true, limited: false }),
  last: prepareListMessages({ before: false, limited: true }),
  lastBefore: prepareListMessages({ before: true, limited: true }),
};

export async function listMessages(
  options: WithDatabase & Scope & { limit?: number; beforeSeq?: number },
): Promise<StoredMessage[]> {
  const { beforeSeq, limit } = options;
  // Nothing comes before a session's first message: a new chat's first turn reads no history.
  if (beforeSeq !== undefined && beforeSeq <= firstSeq) return [];
  const before = beforeSeq !== undefined;
  const query =
    limit === undefined
      ? listMessagesQueries[before ? 'before' : 'all']
      : listMessagesQueries[before ? 'lastBefore' : 'last'];
  // A shape ignores the values it has no placeholder for.
  const { rows } = await query.execute(options.database, {
    sessionId: options.sessionId,
    ownerId: options.ownerId,
    beforeSeq: beforeSeq ?? 0,
    limit: Math.max(0, Math.floor(limit ?? 0)),
  });
  return (limit === undefined ? rows : rows.reverse()).map(toStoredMessage);
}

const selectLastUserMessage = prepareQuery((database: Database, param: Param<Scope>) =>
  database
    .selectFrom('messages')
    .selectAll('messages')
    .where('messages.session_id', '=', param('sessionId'))
    .where('messages.role', '=', 'user')
    .where(ownsSession(scopeParams(param)))
    .orderBy('messages.seq', 'desc')
    .limit(1),
);

export async function getLastUserMessage(options: WithDatabase & Scope): Promise<StoredMessage | null> {
  const [row] = (await selectLastUserMessage.execute(options.database, options)).rows;
  return row ? toStoredMessage(row) : null;
}

const selectTrailingMarkers = prepareQuery((database: Database, param: Param<Scope>) =>
  database
    .selectFrom('messages')
    .select(['messages.id', 'messages.metadata'])
    .where('messages.session_id', '=', param('sessionId'))
    .where('messages.role', '=', 'marker')
    .where(ownsSession(scopeParams(param)))
    .where((expression) =>
      expression(
        'messages.seq',
        '>',
        expression
          .selectFrom('messages as other')
          .select((inner) => inner.fn.coalesce(inner.fn.max('other.seq'), inner.lit(0)).as('last_seq'))
          .where('other.session_id', '=', param('sessionId'))
          .where('other.role', '!=', 'marker'),
      ),
    ),
);

/**
 * Removes the error markers after the session's last non-marker row; returns how many. A system
 * marker there ("Execution stopped by user") stays: it records what happened to that turn.
 */
export async function deleteTrailingMarkers(options: WithDatabase & Scope): Promise<number> {
  const { sessionId, database } = options;
  const { rows: trailing } = await selectTrailingMarkers.execute(database, options);
  const ids = trailing.filter((row) => !isSystemMarker(row.metadata)).map((row) => row.id);
  if (ids.length === 0) return 0;
  const result = await database
    .deleteFrom('messages')
    .where('messages.session_id', '=', sessionId)
    .where('messages.id', 'in', ids)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

function isSystemMarker(metadata: string): boolean {
  try {
    return (JSON.parse(metadata) as { marker?: { kind?: unknown } }).marker?.kind === 'system';
  } catch {
    return false;
  }
}

const selectUserMessage = prepareQuery(
  (database: Database, param: Param<Scope & { clientMessageId: string }>) =>
    database
      .selectFrom('messages')
      .selectAll('messages')
      .where('messages.session_id', '=', param('sessionId'))
      .where('messages.client_message_id', '=', param('clientMessageId'))
      .where(ownsSession(scopeParams(param))),
);

export async function findUserMessage(
  options: WithDatabase & Scope & { clientMessageId: string },
): Promise<StoredMessage | null> {
  const [row] = (await selectUserMessage.execute(options.database, options)).rows;
  return row ? toStoredMessage(row) : null;
}
