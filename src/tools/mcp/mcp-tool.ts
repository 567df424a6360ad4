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

/**
 * One remote tool as one of our tools, so it goes through the same executor and policy as the
 * rest on both runtimes. Its JSON schema becomes a zod schema for the model's view and for
 * validation; one that zod cannot read accepts any object and leaves checking to the server.
 */
export function createMcpTool(options: {
  server: string;
  remote: RemoteTool;
  /** The server's current connection; none while it is being reopened. */
  client: () => Client | undefined;
  callTimeoutMs: number;
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
        throw new ToolError(`The MCP server "${server}" failed: ${(error as Error).message}`);
      }
      return { output: resultText(result), isError: result.isError === true };
    },
  };
}

function toZodSchema(schema: Record<string, unknown>): z.ZodType {
  try {
    const converted = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    if (converted instanceof z.ZodObject) return converted;
  } catch {
    // Fall through: some valid JSON schemas have no zod equivalent.
  }
  return z.looseObject({});
}

const contentSchema = z.array(
  z.looseObject({ type: z.string(), text: z.string().optional(), mimeType: z.string().optional() }),
);

/** The result as text for the model and the UI; non-text content is named, not passed on. */
function resultText(result: Record<string, unknown>): string {
  const content = contentSchema.safeParse(result.content);
  const parts = (content.success ? content.data : []).map((item) =>
    item.type === 'text' && item.text !== undefined
      ? item.text
      : `[${item.type}${item.mimeType ? `: ${item.mimeType}` : ''}]`,
  );
  if (parts.length === 0 && result.structuredContent !== undefined)
    return JSON.stringify(result.structuredContent);
  if (parts.length === 0 && 'toolResult' in result) return JSON.stringify(result.toolResult);
  return parts.join('\n');
}
