import { z } from 'zod';
import type { FileRecord } from './file-store.ts';

const fileRowSchema = z.object({
  id: z.string(),
  owner_id: z.string(),
  session_id: z.string().nullable(),
  name: z.string(),
  media_type: z.string(),
  // Postgres returns bigint as a string.
  size: z.coerce.number().int().nonnegative(),
  sha256: z.string(),
  storage_key: z.string(),
  created_at: z.string(),
});

export function toFileRecord(row: unknown): FileRecord {
  const parsed = fileRowSchema.parse(row);
  return {
    id: parsed.id,
    ownerId: parsed.owner_id,
    sessionId: parsed.session_id,
    name: parsed.name,
    mediaType: parsed.media_type,
    size: parsed.size,
    sha256: parsed.sha256,
    storageKey: parsed.storage_key,
    createdAt: parsed.created_at,
  };
}
