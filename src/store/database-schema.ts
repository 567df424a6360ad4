import type { Generated } from 'kysely';
/**
 * Kysely table types shared by every SQL implementation of the stores.
 *
 * Ids and timestamps are text (ISO 8601, millisecond precision, UTC), so they sort the same way
 * in SQLite and Postgres. JSON columns are text. Drivers may return numeric columns as strings
 * (Postgres `bigint`, `sum`) or booleans as integers (SQLite), so rows are parsed with zod in
 * `session-row-mappers.ts` rather than trusted as typed here.
 */
export interface UsersTable {
  id: string;
  name: string;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  owner_id: string;
  title: string | null;
  /** JSON `ToolPermissions`; null: every tool. */
  permissions: string | null;
  /** The seq the next appended message gets, so appending never scans the session's messages. */
  next_seq: number;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  session_id: string;
  seq: number;
  role: string;
  turn_id: string | null;
  step: number | null;
  content: string;
  /** JSON text of a `ToolCallRecord`. */
  tool_call: string | null;
  tool_call_id: string | null;
  /** JSON text of an object. */
  metadata: string;
  created_at: string;
}

export interface TurnsTable {
  id: string;
  session_id: string;
  owner_id: string;
  status: string;
  message_id: string;
  client_message_id: string | null;
  user_message_id: string;
  error_code: string | null;
  fencing_token: number;
  started_at: string;
  ended_at: string | null;
}

export interface UsageTable {
  id: string;
  turn_id: string;
  session_id: string;
  owner_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  created_at: string;
}

export interface TranscriptsTable {
  session_id: string;
  runtime: string;
  cli_session_id: string;
  content: string;
  covered_seq: number;
  metadata: Generated<string>;
  updated_at: string;
}

export interface FilesTable {
  id: string;
  owner_id: string;
  session_id: string | null;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  /** Where the bytes are in blob storage; generated, never derived from the user's file name. */
  storage_key: string;
  created_at: string;
}

export interface StoreDatabase {
  users: UsersTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  turns: TurnsTable;
  usage: UsageTable;
  transcripts: TranscriptsTable;
  files: FilesTable;
}
