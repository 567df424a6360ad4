import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A server name becomes part of tool names (`mcp__<server>__<tool>`): letters, digits, `-` and
 * single `_`, so the name cannot be confused with the separator.
 */
const serverNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?!_)){0,30}$/, 'server names are letters, digits, - and _ (no __)');

const toolFilters = {
  /** Only these remote tools are offered; all of them when absent. */
  allowedTools: z.array(z.string().min(1)).optional(),
  /** Never offered, and refused if called. */
  deniedTools: z.array(z.string().min(1)).optional(),
};

const stdioServerSchema = z.strictObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  ...toolFilters,
});

const httpServerSchema = z.strictObject({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).default({}),
  ...toolFilters,
});

const serverSchema = z.union([stdioServerSchema, httpServerSchema]);

/** The `mcpServers` file that Claude Desktop and Claude Code users already write. */
const mcpConfigFileSchema = z.object({
  mcpServers: z.record(serverNameSchema, serverSchema),
});

export type McpServerConfig =
  | ({ type: 'stdio' } & Omit<z.infer<typeof stdioServerSchema>, 'type'>)
  | z.infer<typeof httpServerSchema>;

/** Reads the JSON file named by `AUTOPILOT_MCP_CONFIG`; every problem goes to `problems`. */
export function loadMcpConfig(options: {
  path: string | undefined;
  problems: string[];
}): Record<string, McpServerConfig> {
  const { path, problems } = options;
  if (!path) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`AUTOPILOT_MCP_CONFIG: ${path} is not a readable JSON file (${(error as Error).message})`);
    return {};
  }
  const parsed = mcpConfigFileSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`AUTOPILOT_MCP_CONFIG ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    }
    return {};
  }
  return Object.fromEntries(
    Object.entries(parsed.data.mcpServers).map(([name, server]) => [
      name,
      'url' in server ? server : { ...server, type: 'stdio' as const },
    ]),
  );
}
