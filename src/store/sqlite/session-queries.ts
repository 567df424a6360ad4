import type { ToolPermissions, ToolPermissionsChange } from '../../protocol/index.ts';
import { createId } from '../../util/ids.ts';
import type { SessionsTable } from '../database-schema.ts';
import { decodeSessionCursor, encodeSessionCursor } from '../session-cursor.ts';
import { toSessionRecord } from '../session-row-mappers.ts';
import type { Scope, SessionRecord, UserRecord } from '../session-store.ts';
import { directTransaction } from './direct-statements.ts';
import { type Param, prepareQuery } from './prepared-query.ts';
import { type Database, firstSeq, now, type WithDatabase } from './query-support.ts';

export async function ensureUser(options: WithDatabase & { user: UserRecord }): Promise<void> {
  await options.database
    .insertInto('users')
    .values({ id: options.user.id, name: options.user.name, created_at: now() })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

const insertSession = prepareQuery((database: Database, param: Param<SessionsTable>) =>
  database.insertInto('sessions').values({
    id: param('id'),
    owner_id: param('owner_id'),
    title: param('title'),
    permissions: param('permissions'),
    next_seq: param('next_seq'),
    created_at: param('created_at'),
    updated_at: param('updated_at'),
  }),
);

export async function createSession(
  options: WithDatabase & { ownerId: string; title?: string | null },
): Promise<SessionRecord> {
  const createdAt = now();
  const row = {
    id: createId(),
    owner_id: options.ownerId,
    title: options.title ?? null,
    permissions: null,
    next_seq: firstSeq,
    created_at: createdAt,
    updated_at: createdAt,
  };
  await insertSession.execute(options.database, row);
  return toSessionRecord({ ...row, running: false, waiting: false });
}

const selectSession = prepareQuery((database: Database, param: Param<Scope>) =>
  selectSessions(database)
    .where('sessions.id', '=', param('sessionId'))
    .where('sessions.owner_id', '=', param('ownerId')),
);

export async function getSession(options: WithDatabase & Scope): Promise<SessionRecord | null> {
  const [row] = (await selectSession.execute(options.database, options)).rows;
  return row ? toSessionRecord(row) : null;
}

export async function listSessions(
  options: WithDatabase & { ownerId: string; limit: number; cursor?: string },
): Promise<{ sessions: SessionRecord[]; nextCursor: string | null }> {
  const limit = Math.max(1, Math.floor(options.limit));
  let query = selectSessions(options.database).where('sessions.owner_id', '=', options.ownerId);
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

export async function renameSession(
  options: WithDatabase & Scope & { title: string },
): Promise<SessionRecord | null> {
  await options.database
    .updateTable('sessions')
    .set({ title: options.title, updated_at: now() })
    .where('id', '=', options.sessionId)
    .where('owner_id', '=', options.ownerId)
    .execute();
  return getSession(options);
}

export async function setSessionPermissions(
  options: WithDatabase & Scope & { permissions: ToolPermissionsChange },
): Promise<SessionRecord | null> {
  const scope = { ownerId: options.ownerId, sessionId: options.sessionId };
  // Read and written in one transaction, so two changes of different lists both stay.
  return directTransaction(options.database, async (transaction) => {
    const current = await getSession({ database: transaction, ...scope });
    if (!current) return null;
    const { allow, deny } = options.permissions;
    const permissions: ToolPermissions = {
      allow: allow === undefined ? current.permissions.allow : allow,
      deny: deny ?? current.permissions.deny,
    };
    await transaction
      .updateTable('sessions')
      .set({ permissions: JSON.stringify(permissions), updated_at: now() })
      .where('id', '=', scope.sessionId)
      .where('owner_id', '=', scope.ownerId)
      .execute();
    return getSession({ database: transaction, ...scope });
  });
}

const setTitleWhereEmpty = prepareQuery((database: Database, param: Param<Scope & { title: string }>) =>
  database
    .updateTable('sessions')
    .set({ title: param('title') })
    .where('id', '=', param('sessionId'))
    .where('owner_id', '=', param('ownerId'))
    .where('title', 'is', null),
);

export async function setTitleIfEmpty(options: WithDatabase & Scope & { title: string }): Promise<boolean> {
  const result = await setTitleWhereEmpty.execute(options.database, options);
  return (result.numAffectedRows ?? 0n) > 0n;
}

/**
 * Sessions still without a title that hold a user message and run no turn, newest first, each
 * with its first user message: a crash between a first message and its title leaves them so.
 */
export async function listUntitledSessions(
  options: WithDatabase & { limit: number },
): Promise<{ scope: Scope; turnId: string; text: string }[]> {
  const rows = await options.database
    .selectFrom('sessions')
    .innerJoin('messages', 'messages.session_id', 'sessions.id')
    .select(['sessions.id', 'sessions.owner_id', 'messages.turn_id', 'messages.content'])
    .where('sessions.title', 'is', null)
    .where('messages.role', '=', 'user')
    .where('messages.turn_id', 'is not', null)
    .where(({ eb, selectFrom }) =>
      eb(
        'messages.seq',
        '=',
        selectFrom('messages as first')
          .select((first) => first.fn.min('first.seq').as('seq'))
          .whereRef('first.session_id', '=', 'sessions.id')
          .where('first.role', '=', 'user'),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('turns')
            .select('turns.id')
            .whereRef('turns.session_id', '=', 'sessions.id')
            .where('turns.status', '=', 'running'),
        ),
      ),
    )
    .orderBy('sessions.updated_at', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map((row) => ({
    scope: { ownerId: row.owner_id, sessionId: row.id },
    turnId: row.turn_id as string,
    text: row.content,
  }));
}

export async function deleteSession(options: WithDatabase & Scope): Promise<boolean> {
  // Messages, turns and transcripts go with it through ON DELETE CASCADE; usage stays, as the owner's ledger.
  const result = await options.database
    .deleteFrom('sessions')
    .where('id', '=', options.sessionId)
    .where('owner_id', '=', options.ownerId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Sessions with `running` (a turn of theirs is running) and `waiting` (messages wait for a turn),
 * computed in the same query.
 */
function selectSessions(database: Database) {
  return database
    .selectFrom('sessions')
    .select((expression) => [
      'sessions.id',
      'sessions.owner_id',
      'sessions.title',
      'sessions.permissions',
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
      expression
        .exists(
          expression
            .selectFrom('waiting_messages')
            .select(expression.lit(1).as('one'))
            .whereRef('waiting_messages.session_id', '=', 'sessions.id'),
        )
        .as('waiting'),
    ]);
}
