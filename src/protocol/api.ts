import { z } from 'zod';
import { uiMessageSchema } from './ui-message.ts';
import { usageSchema } from './usage.ts';

/** Maximum characters (Unicode code points, not UTF-16 units) in one user message (SPEC §4.1). */
export const maxMessageChars = 64_000;
/** Maximum attached files per message (SPEC §4.1). */
export const maxFilesPerMessage = 20;

/**
 * Why a new message is refused before anything is stored, or null: the server's check, which
 * clients run too, so a new chat is not made for a message that cannot be sent.
 */
export function messageRefusal(options: {
  text: string;
  fileCount: number;
}): { code: 'empty_prompt' | 'message_too_long' | 'too_many_files'; message: string } | null {
  const { text, fileCount } = options;
  if (text.trim() === '') return { code: 'empty_prompt', message: 'The message is empty.' };
  if (text.length > maxMessageChars && characterCount(text) > maxMessageChars) {
    return { code: 'message_too_long', message: `The message is longer than ${maxMessageChars} characters.` };
  }
  if (fileCount > maxFilesPerMessage) {
    return { code: 'too_many_files', message: `A message can carry at most ${maxFilesPerMessage} files.` };
  }
  return null;
}

/** Unicode characters (code points), as the limit means them: an emoji is one, not two UTF-16 units. */
function characterCount(text: string): number {
  let count = 0;
  for (const _character of text) count++;
  return count;
}

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

/** A change of permissions: a list left out stays as it is. */
export const toolPermissionsChangeSchema = z.strictObject({
  allow: z.array(toolNameSchema).max(500).nullable().optional(),
  deny: z.array(toolNameSchema).max(500).optional(),
});
export type ToolPermissionsChange = z.infer<typeof toolPermissionsChangeSchema>;

export const patchSessionBodySchema = z
  .strictObject({
    title: userText(z.string().trim().min(1).max(200)).optional(),
    permissions: toolPermissionsChangeSchema.optional(),
  })
  .refine((body) => body.title !== undefined || body.permissions !== undefined, {
    message: 'Send a title, permissions, or both.',
  });
export type PatchSessionBody = z.infer<typeof patchSessionBodySchema>;

/** How a message sent while a turn runs is delivered (SPEC §4.14). */
export const deliveries = ['next-turn', 'steer'] as const;
export type Delivery = (typeof deliveries)[number];

/**
 * `text` may be left out only with `regenerate`. `trigger` is what `useChat`'s transport sends:
 * `"regenerate-message"` means `regenerate: true`. With it, `messageId` names the message being
 * regenerated (useChat's meaning): the run is refused (409 `message_not_last`) when newer messages
 * came after it, a message still waiting or running is answered with its turn, and a message the
 * session never stored (its first send failed) is sent as a new one, with `text`.
 */
export const postMessageBodySchema = z.strictObject({
  text: userText().optional(),
  messageId: userText(z.string().min(1).max(128)).optional(),
  fileIds: z.array(z.string().max(128)).optional(),
  delivery: z.enum(deliveries).optional(),
  regenerate: z.boolean().optional(),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
});
export type PostMessageBody = z.infer<typeof postMessageBodySchema>;

/** `GET /api/sessions`. */
export const listSessionsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

/** `GET /api/sessions/:id`: the newest `limit` rows, or those before the row `before`. */
export const sessionDetailQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(2000).default(500),
  before: z.coerce.number().int().min(1).optional(),
});

/** Response bodies below are strict: a field the document does not describe is a defect. */
const timestampSchema = z.iso.datetime();

export const sessionStatusSchema = z.enum(['idle', 'running', 'queued']);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

export const sessionSummarySchema = z.strictObject({
  id: z.string(),
  title: z.string().nullable(),
  status: sessionStatusSchema,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type SessionSummary = z.infer<typeof sessionSummarySchema>;

export const sessionListSchema = z.strictObject({
  sessions: z.array(sessionSummarySchema),
  nextCursor: z.string().nullable(),
});
export type SessionList = z.infer<typeof sessionListSchema>;

/** A message accepted while a turn ran that has not run yet. */
export const waitingMessageSchema = z.strictObject({ messageId: z.string(), text: z.string() });
export type WaitingMessage = z.infer<typeof waitingMessageSchema>;

/** A session's tool permissions as stored and shown (the PATCH body's defaults filled in). */
export const storedToolPermissionsSchema = z.strictObject({
  allow: z.array(z.string()).nullable(),
  deny: z.array(z.string()),
});

/** The answer to `PATCH /api/sessions/:id`. */
export const patchedSessionSchema = sessionSummarySchema.extend({ permissions: storedToolPermissionsSchema });
export type PatchedSession = z.infer<typeof patchedSessionSchema>;

export const sessionDetailSchema = sessionSummarySchema.extend({
  permissions: storedToolPermissionsSchema,
  messages: z.array(uiMessageSchema),
  hasMore: z.boolean(),
  /** `before` for the older page (pages are cut at turn boundaries); null on the oldest page. */
  nextBefore: z.number().int().positive().nullable(),
  activeTurn: z.strictObject({ id: z.string(), startedAt: timestampSchema }).nullable(),
  /** Messages sent while a turn runs, not yet in the conversation, oldest first. */
  waiting: z.array(waitingMessageSchema),
  usage: usageSchema,
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;

/** The 202 answer to a steered message: it goes into the running turn (or the next one). */
export const queuedMessageSchema = z.strictObject({ queued: z.literal(true), messageId: z.string() });
export type QueuedMessage = z.infer<typeof queuedMessageSchema>;
export type QueuedResult = QueuedMessage;
/** A message still waiting for a turn. */
export type WaitingMessageSummary = WaitingMessage;

export const cancelResultSchema = z.strictObject({
  cancelled: z.boolean(),
  /** Messages that were waiting: not run and not stored, so a client can put them back. */
  unsent: z.array(waitingMessageSchema),
});
export type CancelResult = z.infer<typeof cancelResultSchema>;

/** The answer to `POST /api/files`. */
export const uploadedFileSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
});
export type UploadedFile = z.infer<typeof uploadedFileSchema>;

export const workspaceListingSchema = z.strictObject({
  files: z.array(
    z.strictObject({ path: z.string(), size: z.number().int().nonnegative(), modifiedAt: timestampSchema }),
  ),
});
export type WorkspaceListing = z.infer<typeof workspaceListingSchema>;

const usageSinceSchema = usageSchema.extend({ since: timestampSchema });

/** `GET /api/usage`: today and this week (UTC; weeks start on Monday), and the budgets (null: none). */
export const usageReportSchema = z.strictObject({
  today: usageSinceSchema,
  week: usageSinceSchema,
  limits: z.strictObject({ dailyUsd: z.number().nullable(), weeklyUsd: z.number().nullable() }),
});
export type UsageReport = z.infer<typeof usageReportSchema>;

/** `GET /readyz`: ready, with each configured MCP server's state (one that failed does not make it unready). */
export const readinessSchema = z.strictObject({
  ok: z.literal(true),
  mcpServers: z.record(
    z.string(),
    z.discriminatedUnion('status', [
      z.strictObject({ status: z.literal('connected'), tools: z.number().int().nonnegative() }),
      z.strictObject({ status: z.enum(['failed', 'closed']), tools: z.literal(0) }),
    ]),
  ),
});
export type Readiness = z.infer<typeof readinessSchema>;
