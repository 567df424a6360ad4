import {
  createSdkMcpServer,
  type McpSdkServerConfigWithInstance,
  tool,
} from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import { subagentToolNames } from '../../tools/policy.ts';
import type { AnyToolDefinition } from '../../tools/tool.ts';
import { maxModelTextChars } from '../../tools/tool-output-limits.ts';
import { mcpServerName } from './sdk-message-adapter.ts';
import type { TurnBinding } from './turn-binding.ts';

const toolUseIdKey = 'claudecode/toolUseId';
const maxResultSizeKey = 'anthropic/maxResultSizeChars';
/**
 * The executor already caps what the model reads (`maxModelTextChars`) and saves the rest in the
 * workspace. Without this the CLI spills any MCP result over 50,000 characters to a file of its
 * own, outside the workspace, and the model sees a reference instead of our preview. Doubled to
 * leave room for however the CLI measures (escaped JSON included).
 */
const cliResultSizeChars = maxModelTextChars * 2;

/**
 * Our tools as an in-process MCP server. It must be a new instance for every query: one
 * instance shared by concurrent queries loses tools. Every field is optional here so that a
 * truncated or empty call reaches our executor, which validates and answers with guidance.
 */
export function createToolServer(options: {
  tools: AnyToolDefinition[];
  binding: TurnBinding;
}): McpSdkServerConfigWithInstance {
  const definitions = options.tools.map((definition) => ({
    ...tool(
      definition.name,
      definition.description,
      optionalShape(definition.inputSchema),
      async (input, extra) => {
        const turn = options.binding.current;
        if (!turn) return { content: [{ type: 'text', text: 'No turn is running.' }], isError: true };
        const toolUseId = toolUseIdOf(extra);
        const outcome = await turn.tools.execute({
          toolCallId: toolUseId ?? `mcp-${definition.name}`,
          toolName: definition.name,
          input,
        });
        if (toolUseId) turn.stash.put(toolUseId, { output: outcome.output, isError: outcome.isError });
        return { content: [{ type: 'text', text: outcome.modelText }], isError: outcome.isError };
      },
    ),
    _meta: { [maxResultSizeKey]: cliResultSizeChars },
  }));
  return createSdkMcpServer({ name: mcpServerName, version: '1.0.0', tools: definitions, alwaysLoad: true });
}

export function mcpToolNames(tools: AnyToolDefinition[]): string[] {
  return tools.map((definition) => `mcp__${mcpServerName}__${definition.name}`);
}

function optionalShape(schema: z.ZodType): Record<string, z.ZodType> {
  if (!(schema instanceof z.ZodObject)) return {};
  return Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => [key, field.optional()]),
  );
}

function toolUseIdOf(extra: unknown): string | undefined {
  if (!extra || typeof extra !== 'object' || !('_meta' in extra)) return undefined;
  const meta = extra._meta;
  if (!meta || typeof meta !== 'object' || !(toolUseIdKey in meta)) return undefined;
  const id = (meta as Record<string, unknown>)[toolUseIdKey];
  return typeof id === 'string' ? id : undefined;
}

/** The names the policy allows: our tools, plus the sub-agent tools when sub-agents are enabled. */
export function policyToolNames(options: { tools: AnyToolDefinition[]; maxSubagents: number }): {
  allowed: Set<string>;
  subagentTools: Set<string>;
} {
  const subagentTools = options.maxSubagents > 0 ? subagentToolNames : [];
  return {
    allowed: new Set([...mcpToolNames(options.tools), ...subagentTools]),
    subagentTools: new Set(subagentTools),
  };
}
