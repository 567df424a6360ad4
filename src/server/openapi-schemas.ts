import { z } from 'zod';
import {
  agentProgressDataSchema,
  cancelResultSchema,
  errorBodySchema,
  patchedSessionSchema,
  queuedMessageSchema,
  readinessSchema,
  sessionDetailSchema,
  sessionEventSchema,
  sessionListSchema,
  sessionSummarySchema,
  uiMessageSchema,
  uploadedFileSchema,
  usageReportSchema,
  usageSchema,
  workspaceListingSchema,
} from '../protocol/index.ts';

type JsonSchema = Record<string, unknown>;

/** The response bodies the document names, each generated from the zod schema in `protocol/`. */
const named = {
  Error: errorBodySchema,
  Usage: usageSchema,
  UIMessage: uiMessageSchema,
  SessionSummary: sessionSummarySchema,
  PatchedSession: patchedSessionSchema,
  SessionList: sessionListSchema,
  SessionDetail: sessionDetailSchema,
  QueuedMessage: queuedMessageSchema,
  CancelResult: cancelResultSchema,
  UploadedFile: uploadedFileSchema,
  WorkspaceListing: workspaceListingSchema,
  UsageReport: usageReportSchema,
  SessionEvent: sessionEventSchema,
  /** The `data` of a turn stream's `data-agent-progress` part. */
  AgentProgressData: agentProgressDataSchema,
  Health: z.strictObject({ ok: z.literal(true) }),
  Ready: readinessSchema,
  NotReady: z.strictObject({ ok: z.literal(false), ...errorBodySchema.shape }),
} satisfies Record<string, z.ZodType>;

export type SchemaName = keyof typeof named;

/** `components.schemas`: a schema used inside another (Usage in SessionDetail) becomes a `$ref`. */
export function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
  });
  // The dialect is the document's default, and an `$id` with a fragment is not valid JSON Schema.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]): [string, JsonSchema] => [
      id,
      schema,
    ]),
  );
}

/** A request body or parameter schema, as the route's zod schema accepts it. */
export function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' });
  return rest;
}

/** Query parameters from the zod object a route parses its query with. */
export function queryParameters(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: false,
    schema: inputSchema(field as z.ZodType),
  }));
}
