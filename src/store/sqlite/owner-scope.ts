import type { ExpressionBuilder } from 'kysely';
import { notFound } from '../../util/app-error.ts';
import type { StoreDatabase } from '../database-schema.ts';
import type { Scope } from '../session-store.ts';
import { type Param, prepareQuery } from './prepared-query.ts';
import type { Database, ScopeValues } from './query-support.ts';

/** True when the session exists and belongs to the owner: the guard of every scoped query. */
export function ownsSession(scope: ScopeValues) {
  return (expression: ExpressionBuilder<StoreDatabase, keyof StoreDatabase>) =>
    expression.exists(
      expression
        .selectFrom('sessions as owned')
        .select(expression.lit(1).as('one'))
        .where('owned.id', '=', scope.sessionId)
        .where('owned.owner_id', '=', scope.ownerId),
    );
}

const selectOwnedSession = prepareQuery((database: Database, param: Param<Scope>) =>
  database
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', param('sessionId'))
    .where('owner_id', '=', param('ownerId')),
);

/** Throws not_found unless the session exists for the owner. */
export async function assertOwnsSession(options: { database: Database; scope: Scope }): Promise<void> {
  const { rows } = await selectOwnedSession.execute(options.database, options.scope);
  if (rows.length === 0) throw notFound('Session');
}
