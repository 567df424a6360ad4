import type { ExpressionBuilder } from 'kysely';
import { notFound } from '../../util/app-error.ts';
import type { StoreDatabase } from '../database-schema.ts';
import type { Scope } from '../session-store.ts';
import type { WithTransaction } from './query-support.ts';

/** True when the session exists and belongs to the owner: the guard of every scoped query. */
export function ownsSession(scope: Scope) {
  return (expression: ExpressionBuilder<StoreDatabase, keyof StoreDatabase>) =>
    expression.exists(
      expression
        .selectFrom('sessions as owned')
        .select(expression.lit(1).as('one'))
        .where('owned.id', '=', scope.sessionId)
        .where('owned.owner_id', '=', scope.ownerId),
    );
}

/** Throws not_found unless the session exists for the owner; call inside the writing transaction. */
export async function assertOwnsSession(options: WithTransaction & { scope: Scope }): Promise<void> {
  const session = await options.transaction
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', options.scope.sessionId)
    .where('owner_id', '=', options.scope.ownerId)
    .executeTakeFirst();
  if (!session) throw notFound('Session');
}
