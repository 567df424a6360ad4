import type { ExpressionBuilder } from 'kysely';
import type { Usage } from '../../protocol/index.ts';
import { createId } from '../../util/ids.ts';
import type { StoreDatabase } from '../database-schema.ts';
import { toUsage } from '../session-row-mappers.ts';
import type { Scope } from '../session-store.ts';
import { assertOwnsSession } from './owner-scope.ts';
import { now, type WithDatabase } from './query-support.ts';

/** Known only if every row's cost is known (a sum with no rows is known: it is zero). */
function costKnownOfAll(expression: ExpressionBuilder<StoreDatabase, 'usage'>) {
  return expression.fn.coalesce(expression.fn.min('cost_known'), expression.lit(1)).as('cost_known');
}

const usageColumns = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
] as const;

export async function recordUsage(
  options: WithDatabase & Scope & { turnId: string; model: string; usage: Usage },
): Promise<void> {
  const { usage } = options;
  const scope = { ownerId: options.ownerId, sessionId: options.sessionId };
  await options.database.transaction().execute(async (transaction) => {
    await assertOwnsSession({ transaction, scope });
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
        cost_known: usage.costKnown ? 1 : 0,
        created_at: now(),
      })
      .execute();
  });
}

/** Sums of the session's recorded usage; zeros when it has none. */
export async function getSessionUsage(options: WithDatabase & Scope): Promise<Usage> {
  const row = await options.database
    .selectFrom('usage')
    .select((expression) => [
      ...usageColumns.map((column) =>
        expression.fn.coalesce(expression.fn.sum(column), expression.lit(0)).as(column),
      ),
      costKnownOfAll(expression),
    ])
    .where('session_id', '=', options.sessionId)
    .where('owner_id', '=', options.ownerId)
    .executeTakeFirstOrThrow();
  return toUsage(row);
}

/** Sums of the owner's recorded usage since `since`, across sessions, deleted ones included. */
export async function getOwnerUsage(
  options: WithDatabase & { ownerId: string; since: string },
): Promise<Usage> {
  const row = await options.database
    .selectFrom('usage')
    .select((expression) => [
      ...usageColumns.map((column) =>
        expression.fn.coalesce(expression.fn.sum(column), expression.lit(0)).as(column),
      ),
      costKnownOfAll(expression),
    ])
    .where('owner_id', '=', options.ownerId)
    .where('created_at', '>=', options.since)
    .executeTakeFirstOrThrow();
  return toUsage(row);
}

/** Per-turn sums for the given turns; turns without recorded usage are absent. */
export async function getTurnUsage(
  options: WithDatabase & Scope & { turnIds: string[] },
): Promise<Map<string, Usage>> {
  if (options.turnIds.length === 0) return new Map();
  const rows = await options.database
    .selectFrom('usage')
    .select((expression) => [
      'turn_id',
      ...usageColumns.map((column) => expression.fn.sum(column).as(column)),
      costKnownOfAll(expression),
    ])
    .where('session_id', '=', options.sessionId)
    .where('owner_id', '=', options.ownerId)
    .where('turn_id', 'in', options.turnIds)
    .groupBy('turn_id')
    .execute();
  return new Map(rows.map((row) => [row.turn_id, toUsage(row)]));
}
