import { z } from 'zod';
import type { UIMessage } from './ui-message.ts';
import type { Usage } from './usage.ts';

/** Maximum characters in one user message (SPEC §4.1). */
export const maxMessageChars = 64_000;
/** Maximum attached files per message (SPEC §4.1). */
export const maxFilesPerMessage = 20;

export const createSessionBodySchema = z.strictObject({ title: z.string().max(200).optional() });
export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

const toolNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'tool names are letters, digits, _ and -');

/**
 * Which tools a session's agent gets: with `allow`, only those; never those in `deny`. A tool
 * left out is not offered to the model at all, and refused if called.
 */
export const toolPermissionsSchema = z.strictObject({
  allow: z.array(toolNameSchema).max(500).nullable().default(null),
  deny: z.array(toolNameSchema).max(500).default([]),
});
export type ToolPermissions = z.infer<typeof toolPermissionsSchema>;

export const patchSessionBodySchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    permissions: toolPermissionsSchema.optional(),
  })
  .refine((body) => body.title !== undefined || body.permissions !== undefined, {
    message: 'Send a title, permissions, or both.',
  });
export type PatchSessionBody = z.infer<typeof patchSessionBodySchema>;

export const postMessageBodySchema = z.strictObject({
  text: z.string(),
  messageId: z.string().min(1).max(128).optional(),
  fileIds: z.array(z.string().max(128)).optional(),
});
export type PostMessageBody = z.infer<typeof postMessageBodySchema>;

export type SessionStatus = 'idle' | 'running' | 'queued';

export interface SessionSummary {
  id: string;
  title: string | null;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
}

export interface SessionList {
  sessions: SessionSummary[];
  nextCursor: string | null;
}

export interface SessionDetail extends SessionSummary {
  permissions: ToolPermissions;
  messages: UIMessage[];
  hasMore: boolean;
  activeTurn: { id: string; startedAt: string } | null;
  usage: Usage;
}

/** The answer to `POST /api/files`. */
export interface UploadedFile {
  id: string;
  name: string;
  mediaType: string;
  size: number;
}

export interface CancelResult {
  cancelled: boolean;
}
