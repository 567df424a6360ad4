import { z } from 'zod';
import { usageSchema } from './usage.ts';

const toolStateSchema = z.enum(['input-available', 'output-available', 'output-error']);
const toolPartFields = {
  toolCallId: z.string(),
  state: toolStateSchema,
  input: z.unknown(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
};

/**
 * The parts of the UIMessages returned by `GET /api/sessions/:id`, structurally compatible with
 * the AI SDK's `UIMessage` parts, so a web client can hydrate from them directly.
 */
export const uiPartSchema = z.union([
  z.strictObject({ type: z.literal('step-start') }),
  z.strictObject({ type: z.literal('text'), text: z.string(), state: z.literal('done') }),
  z.strictObject({ type: z.literal('reasoning'), text: z.string(), state: z.literal('done') }),
  /** A file attached to a user message; `url` downloads it (`GET /api/files/:id`). */
  z.strictObject({
    type: z.literal('file'),
    mediaType: z.string(),
    url: z.string(),
    filename: z.string().optional(),
  }),
  z.strictObject({ type: z.templateLiteral(['tool-', z.string()]), ...toolPartFields }),
  z.strictObject({ type: z.literal('dynamic-tool'), toolName: z.string(), ...toolPartFields }),
  z.strictObject({
    type: z.templateLiteral(['data-', z.string()]),
    id: z.string().optional(),
    data: z.unknown(),
  }),
]);
export type UIPart = z.infer<typeof uiPartSchema>;

/** What an assistant message carries, so per-turn usage survives a reload (SPEC §2). */
export const turnMessageMetadataSchema = z.strictObject({
  turnId: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled', 'interrupted']),
  startedAt: z.iso.datetime(),
  /** Null while the turn runs. */
  durationMs: z.number().int().nonnegative().nullable(),
  usage: usageSchema,
});
export type TurnMessageMetadata = z.infer<typeof turnMessageMetadataSchema>;

export const uiMessageSchema = z.strictObject({
  id: z.string(),
  role: z.enum(['user', 'assistant', 'system']),
  parts: z.array(uiPartSchema),
  metadata: turnMessageMetadataSchema.optional(),
});
export type UIMessage = z.infer<typeof uiMessageSchema>;
