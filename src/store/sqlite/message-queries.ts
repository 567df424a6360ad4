import { notFound } from '../../util/app-error.ts';
import { toStoredMessage } from '../session-row-mappers.ts';
import type { NewMessage, Scope, StoredMessage } from '../session-store.ts';
import { ownsSession } from './owner-scope.ts';
import { now, type WithDatabase, type WithTransaction } from './query-support.ts';

export async function appendMessage(
  options: WithDatabase & Scope & { message: NewMessage },
): Promise<StoredMessage> {
  const { database, message, ...scope } = options;
  const [stored] = await database
    .transaction()
    .execute((transaction) => insertMessages({ transaction, ...scope, messages: [message] }));
  return stored!;
}

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
  const session = await transaction
    .updateTable('sessions')
    .set((expression) => ({
      next_seq: expression('next_seq', '+', messages.length),
      updated_at: createdAt,
    }))
    .where('id', '=', options.sessionId)
    .where('owner_id', '=', options.ownerId)
    .returning('next_seq')
    .executeTakeFirst();
  if (!session) throw notFound('Session');
  const firstSeq = Number(session.next_seq) - messages.length;
  const rows = messages.map((message, index) => ({
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
  }));
  await transaction.insertInto('messages').values(rows).execute();
  return rows.map(toStoredMessage);
}

export async function listMessages(
  options: WithDatabase & Scope & { limit?: number; beforeSeq?: number },
): Promise<StoredMessage[]> {
  let query = options.database
    .selectFrom('messages')
    .selectAll('messages')
    .where('messages.session_id', '=', options.sessionId)
    .where('messages.superseded_by', 'is', null)
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

export async function getLastUserMessage(options: WithDatabase & Scope): Promise<StoredMessage | null> {
  const row = await options.database
    .selectFrom('messages')
    .selectAll('messages')
    .where('messages.session_id', '=', options.sessionId)
    .where('messages.role', '=', 'user')
    .where(ownsSession(options))
    .orderBy('messages.seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toStoredMessage(row) : null;
}

/**
 * Removes the error markers after the session's last non-marker row; returns how many. A system
 * marker there ("Execution stopped by user") stays: it records what happened to that turn.
 */
export async function deleteTrailingMarkers(options: WithDatabase & Scope): Promise<number> {
  const { sessionId, database } = options;
  const trailing = await database
    .selectFrom('messages')
    .select(['messages.id', 'messages.metadata'])
    .where('messages.session_id', '=', sessionId)
    .where('messages.role', '=', 'marker')
    .where(ownsSession(options))
    .where((expression) =>
      expression(
        'messages.seq',
        '>',
        expression
          .selectFrom('messages as other')
          .select((inner) => inner.fn.coalesce(inner.fn.max('other.seq'), inner.lit(0)).as('last_seq'))
          .where('other.session_id', '=', sessionId)
          .where('other.role', '!=', 'marker'),
      ),
    )
    .execute();
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

export async function findUserMessage(
  options: WithDatabase & Scope & { clientMessageId: string },
): Promise<StoredMessage | null> {
  const row = await options.database
    .selectFrom('messages')
    .selectAll('messages')
    .where('messages.session_id', '=', options.sessionId)
    .where('messages.client_message_id', '=', options.clientMessageId)
    .where(ownsSession(options))
    .executeTakeFirst();
  return row ? toStoredMessage(row) : null;
}
