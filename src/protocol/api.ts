import { z } from 'zod';
import type { UIMessage } from './ui-message.ts';
import type { Usage } from './usage.ts';

/** Maximum characters in one user message (SPEC §4.1). */
export const maxMessageChars = 64_000;
/** Maximum attached files per message (SPEC §4.1). */
export const maxFilesPerMessage = 20;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text a user typed, as stored and shown: a NUL character is refused (it truncates text in C
 * libraries and some databases), and a lone UTF-16 surrogate (half an emoji, from a cut string)
 * becomes U+FFFD, so every stored string is valid Unicode.
 */
export function userText(schema: z.ZodString = z.string()) {
  return schema
    .refine((text) => !text.includes('\0'), 'must not contain NUL characters')
    .transform((text) => text.replace(loneSurrogate, '\uFFFD'));
}

export const createSessionBodySchema = z.strictObject({
  title: userText(z.string().max(200)).optional(),
});
export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

export const patchSessionBodySchema = z.strictObject({
  title: userText(z.string().trim().min(1).max(200)),
});
export type PatchSessionBody = z.infer<typeof patchSessionBodySchema>;

export const postMessageBodySchema = z.strictObject({
  text: userText(),
  messageId: userText(z.string().min(1).max(128)).optional(),
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
