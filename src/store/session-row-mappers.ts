import { z } from 'zod';
import { toolPermissionsSchema, type Usage } from '../protocol/index.ts';
import type { SessionRecord, StoredMessage, TurnRecord } from './session-store.ts';

/*
 * Database rows are a boundary: drivers differ (Postgres returns `bigint` and `sum` as strings and
 * EXISTS as a boolean; SQLite returns integers for both), and JSON columns are plain text.
 * Every row is parsed here before it becomes a record.
 */

const integerColumn = z.coerce.number().int();
const numberColumn = z.coerce.number();
const flagColumn = z.union([z.boolean(), z.number()]).transform((value) => value === true || value === 1);

export const jsonTextColumn = z.string().transform((text, context): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    context.addIssue({ code: 'custom', message: 'Column is not valid JSON.' });
    return z.NEVER;
  }
});

const toolCallSchema = z.object({ id: z.string(), name: z.string(), input: z.unknown() });
export const metadataSchema = z.record(z.string(), z.unknown());

const sessionRowSchema = z.object({
  id: z.string(),
  owner_id: z.string(),
  title: z.string().nullable(),
  permissions: jsonTextColumn.pipe(toolPermissionsSchema).nullable(),
  running: flagColumn,
  created_at: z.string(),
  updated_at: z.string(),
});

const messageRowSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  seq: integerColumn,
  role: z.enum(['user', 'assistant', 'reasoning', 'tool', 'marker']),
  turn_id: z.string().nullable(),
  step: integerColumn.nullable(),
  content: z.string(),
  tool_call: jsonTextColumn.pipe(toolCallSchema).nullable(),
  tool_call_id: z.string().nullable(),
  metadata: jsonTextColumn.pipe(metadataSchema),
  created_at: z.string(),
});

const turnRowSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  owner_id: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled', 'interrupted']),
  message_id: z.string(),
  client_message_id: z.string().nullable(),
  user_message_id: z.string(),
  error_code: z.string().nullable(),
  fencing_token: integerColumn,
  started_at: z.string(),
  ended_at: z.string().nullable(),
});

const usageRowSchema = z.object({
  input_tokens: integerColumn,
  output_tokens: integerColumn,
  cache_read_tokens: integerColumn,
  cache_write_tokens: integerColumn,
  cost_usd: numberColumn,
});

/** Expects the session's columns plus `running`: whether the session has a running turn. */
export function toSessionRecord(row: unknown): SessionRecord {
  const parsed = sessionRowSchema.parse(row);
  return {
    id: parsed.id,
    ownerId: parsed.owner_id,
    title: parsed.title,
    permissions: parsed.permissions ?? { allow: null, deny: [] },
    status: parsed.running ? 'running' : 'idle',
    createdAt: parsed.created_at,
    updatedAt: parsed.updated_at,
  };
}

export function toStoredMessage(row: unknown): StoredMessage {
  const parsed = messageRowSchema.parse(row);
  return {
    id: parsed.id,
    sessionId: parsed.session_id,
    seq: parsed.seq,
    role: parsed.role,
    turnId: parsed.turn_id,
    step: parsed.step,
    content: parsed.content,
    toolCall: parsed.tool_call,
    toolCallId: parsed.tool_call_id,
    metadata: parsed.metadata,
    createdAt: parsed.created_at,
  };
}

export function toTurnRecord(row: unknown): TurnRecord {
  const parsed = turnRowSchema.parse(row);
  return {
    id: parsed.id,
    sessionId: parsed.session_id,
    ownerId: parsed.owner_id,
    status: parsed.status,
    messageId: parsed.message_id,
    clientMessageId: parsed.client_message_id,
    userMessageId: parsed.user_message_id,
    errorCode: parsed.error_code,
    fencingToken: parsed.fencing_token,
    startedAt: parsed.started_at,
    endedAt: parsed.ended_at,
  };
}

/** Expects the usage columns, or their sums under the same names. */
export function toUsage(row: unknown): Usage {
  const parsed = usageRowSchema.parse(row);
  return {
    inputTokens: parsed.input_tokens,
    outputTokens: parsed.output_tokens,
    cacheReadTokens: parsed.cache_read_tokens,
    cacheWriteTokens: parsed.cache_write_tokens,
    costUsd: parsed.cost_usd,
  };
}
