import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../../config/mcp-config.ts';
import type { Logger } from '../../util/logger.ts';
import type { AnyToolDefinition } from '../tool.ts';
import { createMcpTool, mcpToolName, type RemoteTool } from './mcp-tool.ts';

export type McpServerStatus =
  | { status: 'connected'; tools: number }
  | { status: 'failed'; tools: 0 }
  | { status: 'closed'; tools: 0 };

/**
 * The longest tool name we offer. The claude runtime shows our tools as `mcp__autopilot__<name>`
 * and the Messages API takes at most 64 characters.
 */
const maxToolNameLength = 64 - 'mcp__autopilot__'.length;
const toolNamePattern = /^[A-Za-z0-9_-]+$/;
const maxStderrLineChars = 500;

/**
 * The operator's MCP servers, connected once at start-up. A server that fails to start is
 * logged and reported by `statuses()`; the others work regardless. Each remote tool becomes
 * one of our tools; denied and unlisted ones are not registered at all.
 */
export class McpServers {
  readonly #clients = new Map<string, Client>();
  readonly #tools: AnyToolDefinition[] = [];
  readonly #statuses = new Map<string, McpServerStatus>();
  readonly #logger: Logger;

  private constructor(logger: Logger) {
    this.#logger = logger;
  }

  static async connect(options: {
    servers: Record<string, McpServerConfig>;
    connectTimeoutMs: number;
    callTimeoutMs: number;
    logger: Logger;
  }): Promise<McpServers> {
    const servers = new McpServers(options.logger);
    await Promise.all(
      Object.entries(options.servers).map(([name, config]) => servers.#start({ ...options, name, config })),
    );
    return servers;
  }

  /** Every registered remote tool, named `mcp__<server>__<tool>`. */
  get tools(): AnyToolDefinition[] {
    return this.#tools;
  }

  statuses(): Record<string, McpServerStatus> {
    return Object.fromEntries(this.#statuses);
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.#clients.entries()].map(async ([name, client]) => {
        this.#statuses.set(name, { status: 'closed', tools: 0 });
        await client.close().catch(() => undefined);
      }),
    );
  }

  async #start(options: {
    name: string;
    config: McpServerConfig;
    connectTimeoutMs: number;
    callTimeoutMs: number;
  }): Promise<void> {
    const { name, config } = options;
    const logger = this.#logger.child({ mcpServer: name });
    const client = new Client({ name: 'autopilot', version: '1.0.0' });
    try {
      const transport = this.#transport({ config, logger });
      await client.connect(transport, { timeout: options.connectTimeoutMs });
      const listed = await client.listTools(undefined, { timeout: options.connectTimeoutMs });
      const tools = listed.tools
        .filter((remote) => offered({ server: name, remote, config, logger }))
        .map((remote) =>
          createMcpTool({ server: name, remote, client, callTimeoutMs: options.callTimeoutMs }),
        );
      this.#clients.set(name, client);
      this.#tools.push(...tools);
      this.#statuses.set(name, { status: 'connected', tools: tools.length });
      client.onclose = () => {
        if (this.#statuses.get(name)?.status === 'connected') {
          logger.error('the MCP server went away; its tools fail until the server restarts');
          this.#statuses.set(name, { status: 'failed', tools: 0 });
        }
      };
      logger.info({ tools: tools.map((tool) => tool.name) }, 'MCP server connected');
    } catch (error) {
      this.#statuses.set(name, { status: 'failed', tools: 0 });
      logger.error({ err: error }, 'the MCP server could not be started; its tools are not available');
      await client.close().catch(() => undefined);
    }
  }

  #transport(options: { config: McpServerConfig; logger: Logger }): Transport {
    const { config, logger } = options;
    if (config.type === 'http') {
      return new StreamableHTTPClientTransport(new URL(config.url), {
        requestInit: { headers: config.headers },
      });
    }
    // The SDK gives the child only a safe subset of our environment (PATH, HOME…) plus `env`.
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      env: { ...getDefaultEnvironment(), ...config.env },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      logger.debug({ stderr: chunk.toString('utf8').slice(0, maxStderrLineChars) }, 'MCP server stderr');
    });
    return transport;
  }
}

function offered(options: {
  server: string;
  remote: RemoteTool;
  config: McpServerConfig;
  logger: Logger;
}): boolean {
  const { remote, config } = options;
  if (config.deniedTools?.includes(remote.name)) return false;
  if (config.allowedTools && !config.allowedTools.includes(remote.name)) return false;
  const name = mcpToolName({ server: options.server, tool: remote.name });
  if (!toolNamePattern.test(remote.name) || name.length > maxToolNameLength) {
    options.logger.warn(
      { tool: remote.name },
      'an MCP tool name is not usable (characters or length); skipped',
    );
    return false;
  }
  return true;
}
