import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerConfig } from '../../config/mcp-config.ts';
import type { Logger } from '../../util/logger.ts';
import type { AnyToolDefinition } from '../tool.ts';
import { createMcpTool, type RemoteTool } from './mcp-tool.ts';
import { createTransport, endProcessGroup } from './mcp-transport.ts';
import { listAllTools, offeredTools } from './offered-tools.ts';

export type McpServerStatus =
  | { status: 'connected'; tools: number }
  | { status: 'failed'; tools: 0 }
  | { status: 'closed'; tools: 0 };

const maxReconnectDelayMs = 60_000;

interface StartOptions {
  name: string;
  config: McpServerConfig;
  connectTimeoutMs: number;
  callTimeoutMs: number;
}

/**
 * The operator's MCP servers, connected once at start-up. A server that fails to start is
 * logged and reported by `statuses()`; the others work regardless. Each remote tool becomes
 * one of our tools; denied and unlisted ones are not registered at all.
 */
export class McpServers {
  readonly #clients = new Map<string, Client>();
  /** A stdio server's process group (its leader's pid), ended with its connection. */
  readonly #groups = new WeakMap<Client, number>();
  readonly #tools: AnyToolDefinition[] = [];
  readonly #statuses = new Map<string, McpServerStatus>();
  readonly #logger: Logger;
  readonly #reconnectBaseMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closing = false;

  private constructor(options: { logger: Logger; reconnectBaseMs: number }) {
    this.#logger = options.logger;
    this.#reconnectBaseMs = options.reconnectBaseMs;
  }

  static async connect(options: {
    servers: Record<string, McpServerConfig>;
    connectTimeoutMs: number;
    callTimeoutMs: number;
    logger: Logger;
    /** The first wait before reopening a server that went away (default 1 s; tests shorten it). */
    reconnectBaseMs?: number;
  }): Promise<McpServers> {
    const servers = new McpServers({
      logger: options.logger,
      reconnectBaseMs: options.reconnectBaseMs ?? 1_000,
    });
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
    this.#closing = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(
      [...this.#clients.entries()].map(async ([name, client]) => {
        this.#statuses.set(name, { status: 'closed', tools: 0 });
        await this.#closeClient(client);
      }),
    );
  }

  async #start(options: StartOptions): Promise<void> {
    const { name } = options;
    const logger = this.#logger.child({ mcpServer: name });
    try {
      const { client, remote } = await this.#open({ ...options, logger });
      const tools = remote.map((tool) =>
        createMcpTool({
          server: name,
          remote: tool,
          client: () => this.#clients.get(name),
          callTimeoutMs: options.callTimeoutMs,
          secrets: secretsOf(options.config),
        }),
      );
      this.#tools.push(...tools);
      this.#attach({ ...options, client, tools: tools.length, logger, attempt: 0 });
      logger.info({ tools: tools.map((tool) => tool.name) }, 'MCP server connected');
    } catch (error) {
      this.#statuses.set(name, { status: 'failed', tools: 0 });
      logger.error({ err: error }, 'the MCP server could not be started; its tools are not available');
    }
  }

  /** Connects and lists the offered tools; on any failure the client (and a stdio child) is closed. */
  async #open(options: StartOptions & { logger: Logger }): Promise<{ client: Client; remote: RemoteTool[] }> {
    const { name, config, logger } = options;
    const client = new Client({ name: 'autopilot', version: '1.0.0' });
    // Known as soon as the child runs: a connect that fails must take the child's own children too.
    const transport = createTransport({
      config,
      logger,
      onGroup: (group) => this.#groups.set(client, group),
    });
    try {
      await client.connect(transport, { timeout: options.connectTimeoutMs });
      const listed = await listAllTools({ client, timeoutMs: options.connectTimeoutMs });
      return { client, remote: offeredTools({ server: name, listed, config, logger }) };
    } catch (error) {
      await this.#closeClient(client);
      throw error;
    }
  }

  /** Closes a connection; a stdio server's whole process group goes with it. */
  async #closeClient(client: Client): Promise<void> {
    await client.close().catch(() => undefined);
    endProcessGroup(this.#groups.get(client));
  }

  /**
   * Makes `client` the server's connection; if it goes away unasked, it is reopened with backoff.
   * `attempt` is the reopening's attempt should this connection die soon: only one that stayed
   * up for the longest wait starts the backoff over, so a server that crashes on every start
   * is not respawned at the first wait forever.
   */
  #attach(options: StartOptions & { client: Client; tools: number; logger: Logger; attempt: number }): void {
    const { name, client, logger } = options;
    this.#clients.set(name, client);
    this.#statuses.set(name, { status: 'connected', tools: options.tools });
    let stable = false;
    const settle = setTimeout(() => {
      this.#timers.delete(settle);
      stable = true;
    }, maxReconnectDelayMs);
    settle.unref();
    this.#timers.add(settle);
    client.onclose = () => {
      clearTimeout(settle);
      this.#timers.delete(settle);
      // The server went away: whatever it started must not outlive it.
      endProcessGroup(this.#groups.get(client));
      if (this.#closing || this.#clients.get(name) !== client) return;
      this.#clients.delete(name);
      this.#statuses.set(name, { status: 'failed', tools: 0 });
      logger.error('the MCP server went away; reconnecting');
      this.#reconnect({ ...options, attempt: stable ? 0 : options.attempt });
    };
  }

  /**
   * Reopens a server that went away, after `reconnectBaseMs` doubling up to a minute. The tools
   * registered at start-up stay; they fail with a clear error until the server is back.
   */
  #reconnect(options: StartOptions & { tools: number; logger: Logger; attempt: number }): void {
    const delay = Math.min(this.#reconnectBaseMs * 2 ** options.attempt, maxReconnectDelayMs);
    const timer = setTimeout(async () => {
      this.#timers.delete(timer);
      if (this.#closing) return;
      try {
        const { client } = await this.#open(options);
        if (this.#closing) {
          await this.#closeClient(client);
          return;
        }
        this.#attach({ ...options, client, attempt: options.attempt + 1 });
        options.logger.info({ attempt: options.attempt + 1 }, 'MCP server reconnected');
      } catch (error) {
        options.logger.warn(
          { err: error, attempt: options.attempt + 1 },
          'reconnecting the MCP server failed',
        );
        this.#reconnect({ ...options, attempt: options.attempt + 1 });
      }
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }
}

/**
 * What the operator configured that must never reach a model or a client: header values (a
 * gateway's error page may echo the request's headers) and the child's environment values.
 */
function secretsOf(config: McpServerConfig): string[] {
  const values = config.type === 'http' ? Object.values(config.headers) : Object.values(config.env);
  // Short values ("1", "true") are settings, and would redact half of every message.
  return values.flatMap((value) => [value, ...value.split(/\s+/)]).filter((value) => value.length >= 8);
}
