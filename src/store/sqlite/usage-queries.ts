import type { ExpressionBuilder } from 'kysely';
import type { Usage } from '../../protocol/index.ts';
import { notFound } from '../../util/app-error.ts';
import { createId } from '../../util/ids.ts';
import type { StoreDatabase, UsageTable } from '../database-schema.ts';
import { toUsage } from '../session-row-mappers.ts';
import type { Scope } from '../session-store.ts';
import { type Param, prepareQuery } from './prepared-query.ts';
import { type Database, now, type WithDatabase } from './query-support.ts';

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

const insertUsage = prepareQuery((database: Database, param: Param<UsageTable>) =>
  database.insertInto('usage').values({
    id: param('id'),
    turn_id: param('turn_id'),
    session_id: param('session_id'),
    owner_id: param('owner_id'),
    model: param('model'),
    input_tokens: param('input_tokens'),
    output_tokens: param('output_tokens'),
    cache_read_tokens: param('cache_read_tokens'),
    cache_write_tokens: param('cache_write_tokens'),
    cost_usd: param('cost_usd'),
    cost_known: param('cost_known'),
    created_at: param('created_at'),
  }),
);

const selectSessionOwner = prepareQuery((database: Database, param: Param<{ sessionId: string }>) =>
  database.selectFrom('sessions').select('owner_id').where('id', '=', param('sessionId')),
);

/**
 * Refused only for a session that belongs to someone else. A session that no longer exists is
 * charged anyway: usage has no foreign key and outlives its session, and a call the engine made
 * for it (a title) may answer after it was deleted; the model was used all the same.
 */
export async function recordUsage(
  options: WithDatabase & Scope & { turnId: string; model: string; usage: Usage },
): Promise<void> {
  const { rows } = await selectSessionOwner.execute(options.database, { sessionId: options.sessionId });
  const owner = rows[0]?.owner_id;
  if (owner !== undefined && owner !== options.ownerId) throw notFound('Session');
  await insertUsageRow(options);
}

/** One usage row, as given: the caller has checked the session and its owner. */
export async function insertUsageRow(
  options: WithDatabase & Scope & { turnId: string; model: string; usage: Usage },
): Promise<void> {
  const { usage } = options;
  await insertUsage.execute(options.database, {
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
