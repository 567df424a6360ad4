import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import type { AnyToolDefinition } from '../tool.ts';
import { ToolError } from '../tool.ts';

/** What `tools/list` says about one remote tool. */
export interface RemoteTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** The name both runtimes and the policy know a remote tool by. */
export function mcpToolName(options: { server: string; tool: string }): string {
  return `mcp__${options.server}__${options.tool}`;
}

/** The most a call's arguments may take as JSON: the SDK's stdio reader drops a connection past 10 MB. */
export const maxArgumentBytes = 4 * 1024 * 1024;

/**
 * One remote tool as one of our tools, so it goes through the same executor and policy as the
 * rest on both runtimes. Its JSON schema becomes a zod schema for the model's view and for
 * validation (see `toZodSchema`); the server checks the rest.
 */
export function createMcpTool(options: {
  server: string;
  remote: RemoteTool;
  /** The server's current connection; none while it is being reopened. */
  client: () => Client | undefined;
  callTimeoutMs: number;
  /** Configured values (tokens in headers, keys in the environment) kept out of error texts. */
  secrets?: string[];
}): AnyToolDefinition {
  const { server, remote } = options;
  return {
    name: mcpToolName({ server, tool: remote.name }),
    description: `${remote.description ?? remote.name} (from the MCP server "${server}")`.slice(0, 2_000),
    inputSchema: toZodSchema(remote.inputSchema),
    async execute(input, context) {
      let result: Awaited<ReturnType<Client['callTool']>>;
      const client = options.client();
      if (!client) {
        throw new ToolError(
          `The MCP server "${server}" is not connected; it is being restarted. Try again later.`,
        );
      }
      const size = Buffer.byteLength(JSON.stringify(input ?? {}));
      if (size > maxArgumentBytes) {
        throw new ToolError(
          `The arguments for ${remote.name} are ${size} bytes of JSON; at most ${maxArgumentBytes} can be sent to an MCP server.`,
        );
      }
      try {
        result = await client.callTool(
          { name: remote.name, arguments: input as Record<string, unknown> },
          undefined,
          {
            timeout: options.callTimeoutMs,
            signal: context.signal,
          },
        );
      } catch (error) {
        const message = redact({ text: (error as Error).message, secrets: options.secrets ?? [] });
        throw new ToolError(`The MCP server "${server}" failed: ${message}`);
      }
      return { output: resultText(result), isError: result.isError === true };
    },
  };
}

function redact(options: { text: string; secrets: string[] }): string {
  // Longest first, so a whole "Bearer <token>" goes before its token alone.
  const secrets = [...options.secrets].sort((a, b) => b.length - a.length);
  return secrets.reduce((text, secret) => text.replaceAll(secret, '[redacted]'), options.text);
}

/**
 * The remote schema as zod, for the model's view and for validation on the server's thread:
 * - `pattern` and `patternProperties` are left out. They are regular expressions written by the
 *   MCP server and run against the model's text: `^(a+)+$` held the thread for seconds at 29
 *   characters. The MCP server checks them itself.
 * - A schema zod cannot read (allOf, if/then, not…) keeps the properties it names, each as zod
 *   reads it (any value where it cannot), all optional, and passes other keys on.
 */
export function toZodSchema(schema: Record<string, unknown>): z.ZodType {
  const safe = withoutPatterns(schema) as Record<string, unknown>;
  try {
    const converted = z.fromJSONSchema(safe as Parameters<typeof z.fromJSONSchema>[0]);
    if (converted instanceof z.ZodObject) return converted;
  } catch {
    // Fall through: some valid JSON schemas have no zod equivalent.
  }
  return z.looseObject(namedProperties(safe));
}

/** A copy of a JSON schema without its regular expressions, at every depth. */
function withoutPatterns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPatterns);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, field]): [string, unknown][] => {
      if (key === 'pattern' || key === 'patternProperties') return [];
      // Values, not schemas: kept exactly as the server wrote them.
      if (dataKeywords.has(key)) return [[key, field]];
      // Under these, keys are names (a property may well be called "pattern"), values schemas.
      if (namedSchemas.has(key) && field && typeof field === 'object' && !Array.isArray(field)) {
        return [
          [
            key,
            Object.fromEntries(Object.entries(field).map(([name, each]) => [name, withoutPatterns(each)])),
          ],
        ];
      }
      return [[key, withoutPatterns(field)]];
    }),
  );
}

const namedSchemas = new Set(['properties', '$defs', 'definitions', 'dependentSchemas']);
const dataKeywords = new Set(['const', 'enum', 'default', 'examples', 'dependentRequired', 'required']);

/** The properties a schema names at its top level or in its allOf/anyOf/oneOf parts, each optional. */
function namedProperties(schema: Record<string, unknown>): Record<string, z.ZodType> {
  const parts = [schema, ...(['allOf', 'anyOf', 'oneOf'] as const).flatMap((key) => arrayOf(schema[key]))];
  const shape: Record<string, z.ZodType> = {};
  for (const part of parts) {
    const properties = part.properties;
    if (!properties || typeof properties !== 'object' || Array.isArray(properties)) continue;
    for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
      shape[name] ??= propertySchema(property).optional();
    }
  }
  return shape;
}

function arrayOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((item) => item !== null && typeof item === 'object') : [];
}

function propertySchema(property: unknown): z.ZodType {
  const description =
    property &&
    typeof property === 'object' &&
    typeof (property as { description?: unknown }).description === 'string'
      ? (property as { description: string }).description
      : undefined;
  try {
    return z.fromJSONSchema(property as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return description ? z.unknown().describe(description) : z.unknown();
  }
}

const contentSchema = z.array(
  z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    mimeType: z.string().optional(),
    uri: z.string().optional(),
    name: z.string().optional(),
    resource: z.looseObject({ uri: z.string().optional(), text: z.string().optional() }).optional(),
  }),
);

/**
 * The result as text for the model and the UI. Text is passed on, an embedded resource's text
 * and a resource link's address too; images, audio and binary resources are named, not passed on.
 */
function resultText(result: Record<string, unknown>): string {
  const content = contentSchema.safeParse(result.content);
  const parts = (content.success ? content.data : []).map((item) => {
    if (item.type === 'text' && item.text !== undefined) return item.text;
    if (item.type === 'resource' && item.resource?.text !== undefined)
      return `[resource ${item.resource.uri ?? ''}]\n${item.resource.text}`;
    if (item.type === 'resource_link' && item.uri !== undefined)
      return `[resource link: ${item.name ? `${item.name} ` : ''}${item.uri}]`;
    return `[${item.type}${item.mimeType ? `: ${item.mimeType}` : ''}]`;
  });
  if (parts.length === 0 && result.structuredContent !== undefined)
    return JSON.stringify(result.structuredContent);
  if (parts.length === 0 && 'toolResult' in result) return JSON.stringify(result.toolResult);
  return parts.join('\n');
}
