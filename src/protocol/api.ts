import { z } from 'zod';
import type { UIMessage } from './ui-message.ts';
import type { Usage } from './usage.ts';

/** Maximum characters in one user message (SPEC §4.1). */
export const maxMessageChars = 64_000;
/** Maximum attached files per message (SPEC §4.1). */
export const maxFilesPerMessage = 20;

export const createSessionBodySchema = z.strictObject({ title: z.string().max(200).optional() });
export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

export const patchSessionBodySchema = z.strictObject({ title: z.string().trim().min(1).max(200) });
export type PatchSessionBody = z.infer<typeof patchSessionBodySchema>;

/** How a message sent while a turn runs is delivered (SPEC §4.14). */
export const deliveries = ['next-turn', 'steer'] as const;
export type Delivery = (typeof deliveries)[number];

/**
 * `text` may be left out only with `regenerate`. `trigger` is what `useChat`'s transport sends:
 * `"regenerate-message"` means `regenerate: true`; with it, `messageId` names the message being
 * regenerated (useChat's meaning), so it is not an idempotency key.
 */
export const postMessageBodySchema = z.strictObject({
  text: z.string().optional(),
  messageId: z.string().min(1).max(128).optional(),
  fileIds: z.array(z.string().max(128)).optional(),
  delivery: z.enum(deliveries).optional(),
  regenerate: z.boolean().optional(),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
});
export type PostMessageBody = z.infer<typeof postMessageBodySchema>;

/** The 202 answer to a steered message: it goes into the running turn (or the next one). */
export interface QueuedResult {
  queued: true;
  messageId: string;
}

/** A message still waiting for a turn. */
export interface WaitingMessageSummary {
  messageId: string;
  text: string;
}

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
  /** User messages' ids are the client's messageIds; assistant messages carry `AssistantMetadata`. */
  messages: UIMessage[];
  hasMore: boolean;
  /** `before` for the older page (pages are cut at turn boundaries); null on the oldest page. */
  nextBefore: number | null;
  activeTurn: { id: string; startedAt: string } | null;
  /** Messages sent while a turn runs, not yet in the conversation, oldest first. */
  waiting: WaitingMessageSummary[];
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
  /** Messages that were waiting: not run and not stored, so a client can put them back. */
  unsent: WaitingMessageSummary[];
}
