import { z } from 'zod';
import type { StoredMessage } from './session-store.ts';

/** A file attached to a user message, as kept in its `metadata.attachments`. */
export interface MessageAttachment {
  fileId: string;
  name: string;
  mediaType: string;
  size: number;
  /** Where the copy is in the session workspace, relative to its root. */
  path: string;
}

const attachmentSchema = z.object({
  fileId: z.string(),
  name: z.string(),
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
  path: z.string(),
});

/** The message's attachments, oldest first; entries that do not parse are left out. */
export function attachmentsOf(message: Pick<StoredMessage, 'metadata'>): MessageAttachment[] {
  const entries = message.metadata.attachments;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry) => {
    const parsed = attachmentSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}
