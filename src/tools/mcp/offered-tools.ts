import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../../config/mcp-config.ts';
import type { Logger } from '../../util/logger.ts';
import { mcpToolName, type RemoteTool } from './mcp-tool.ts';

/**
 * The longest tool name we offer. The claude runtime shows our tools as `mcp__autopilot__<name>`
 * and the Messages API takes at most 64 characters.
 */
const maxToolNameLength = 64 - 'mcp__autopilot__'.length;
const toolNamePattern = /^[A-Za-z0-9_-]+$/;
/** Pages of `tools/list` followed, and tools taken from one server: each is sent on every turn. */
const maxListPages = 20;
const maxToolsPerServer = 128;

/**
 * Every page of the server's tools (up to `maxListPages`). Asked for directly rather than through
 * `Client.listTools`, which compiles each tool's output schema and fails the whole list on one
 * it cannot compile; we pass results on as text and never check them against it.
 */
export async function listAllTools(options: { client: Client; timeoutMs: number }): Promise<RemoteTool[]> {
  const tools: RemoteTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxListPages; page++) {
    const listed = await options.client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      ListToolsResultSchema,
      { timeout: options.timeoutMs },
    );
    tools.push(...listed.tools);
    cursor = listed.nextCursor;
    if (cursor === undefined) break;
  }
  return tools;
}

/**
 * The tools we register, in the server's order: allowed and not denied, with a name that is
 * usable and cannot be read as another server's (no `__`, no `_` at either end), each once, and
 * at most `maxToolsPerServer`. What is left out is logged.
 */
export function offeredTools(options: {
  server: string;
  listed: RemoteTool[];
  config: McpServerConfig;
  logger: Logger;
}): RemoteTool[] {
  const { config, logger } = options;
  const seen = new Set<string>();
  const kept: RemoteTool[] = [];
  for (const remote of options.listed) {
    if (config.deniedTools?.includes(remote.name)) continue;
    if (config.allowedTools && !config.allowedTools.includes(remote.name)) continue;
    const name = mcpToolName({ server: options.server, tool: remote.name });
    if (!usableName(remote.name) || name.length > maxToolNameLength) {
      logger.warn({ tool: remote.name }, 'an MCP tool name is not usable (characters or length); skipped');
    } else if (seen.has(remote.name)) {
      logger.warn({ tool: remote.name }, 'the MCP server lists a tool name twice; only the first is used');
    } else if (kept.length >= maxToolsPerServer) {
      logger.warn(
        { tool: remote.name, max: maxToolsPerServer },
        'the MCP server offers too many tools; skipped',
      );
    } else {
      seen.add(remote.name);
      kept.push(remote);
    }
  }
  return kept;
}

function usableName(name: string): boolean {
  return toolNamePattern.test(name) && !name.includes('__') && !name.startsWith('_') && !name.endsWith('_');
}
