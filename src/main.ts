import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { ClaudeTestOptions } from './agent/claude/claude-test-options.ts';
import { createRuntime } from './agent/create-runtime.ts';
import { createModelDispatcher } from './agent/model-dispatcher.ts';
import { createUtilityModel } from './agent/utility-model.ts';
import { type Config, modelSetupHint } from './config/config.ts';
import { MemoryLock } from './coord/memory/memory-lock.ts';
import { MemorySessionEvents } from './coord/memory/memory-session-events.ts';
import { MemoryStreamRegistry } from './coord/memory/memory-stream-registry.ts';
import { MemoryTurnQueue } from './coord/memory/memory-turn-queue.ts';
import { resolveAgentConfinement } from './sandbox/agent-confinement.ts';
import { BubblewrapSandbox } from './sandbox/bubblewrap-sandbox.ts';
import type { E2bClient } from './sandbox/e2b-client.ts';
import { E2bSandbox } from './sandbox/e2b-sandbox.ts';
import { E2bSdkClient } from './sandbox/e2b-sdk-client.ts';
import type { Sandbox } from './sandbox/sandbox.ts';
import { Workspaces } from './sandbox/workspaces.ts';
import { createApp } from './server/app.ts';
import { answerClientError } from './server/client-error.ts';
import { listenHttp } from './server/listen.ts';
import { DiskFileBlobs } from './store/disk/disk-file-blobs.ts';
import type { SessionStore } from './store/session-store.ts';
import { openSqliteDatabase } from './store/sqlite/open-sqlite-database.ts';
import { SqliteFileStore } from './store/sqlite/sqlite-file-store.ts';
import { SqliteSessionStore } from './store/sqlite/sqlite-session-store.ts';
import { SqliteTranscriptStore } from './store/sqlite/sqlite-transcript-store.ts';
import { UnboundFilesSweep } from './store/unbound-files-sweep.ts';
import { createDefaultTools } from './tools/default-tools.ts';
import { McpServers } from './tools/mcp/mcp-servers.ts';
import { subagentToolNames } from './tools/policy.ts';
import type { AnyToolDefinition } from './tools/tool.ts';
import { createWebFetch } from './tools/web-fetch.ts';
import { SessionNotifier } from './turn/session-notifier.ts';
import { TurnService } from './turn/turn-service.ts';
import type { Logger } from './util/logger.ts';
import type { Pacer } from './util/loop-pacer.ts';
import { Metrics } from './util/metrics.ts';

export interface RunningAutopilot {
  url: string;
  port: number;
  /** Stops accepting requests, ends running turns, and closes the store. */
  close(): Promise<void>;
}

const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return loopbackHosts.has(host) || host.startsWith('127.');
}

/** The composition root: config → backends → app → listening server. */
export async function startAutopilot(options: {
  config: Config;
  logger: Logger;
  /** Tools added to the defaults (tests use this for tools with controllable timing). */
  extraTools?: () => AnyToolDefinition[];
  /** Wraps the session store (tests use this to count what reaches the database). */
  wrapStore?: (store: SessionStore) => SessionStore;
  /** Tests only, never from configuration: protections of the Claude Code process taken away. */
  claudeTestOptions?: ClaudeTestOptions;
  /** Tests only: holds new messages where the route paces their start-ups (a test widens that window). */
  startPacer?: Pacer;
  /** Tests only: the E2B client behind `E2B_API_KEY`'s sandbox, in place of the real SDK (E2B is out of reach). */
  e2bClient?: E2bClient;
}): Promise<RunningAutopilot> {
  const { config, logger } = options;
  if (!isLoopback(config.server.host) && config.auth.tokens.length === 0) {
    throw new Error(
      `Refusing to listen on ${config.server.host} without authentication: anyone who can reach it could use the agent. ` +
        'Set AUTOPILOT_API_TOKENS (user:token pairs) or bind to 127.0.0.1.',
    );
  }
  if (config.store.kind !== 'sqlite') {
    throw new Error(
      'DATABASE_URL (Postgres) is not supported yet: unset it to use the embedded SQLite store.',
    );
  }

  const usesClaude = config.runtime === 'claude' && config.model?.provider === 'anthropic';
  const agentConfinement = usesClaude
    ? await resolveAgentConfinement({
        mode: config.agentSandbox,
        bwrapPath: 'bwrap',
        warn: (details, message) => logger.warn(details, message),
      })
    : null;
  const sandbox = createSandbox({ config, logger, e2bClient: options.e2bClient });
  // Made once: it holds the connection pool of its guarded dispatcher.
  const webFetch = config.webFetch.enabled ? createWebFetch(config.webFetch) : null;
  // Before the runtime: sub-agent definitions name every tool. A server that fails is reported, not fatal.
  const mcp = await McpServers.connect({ ...config.mcp, logger });
  // Made once: a tool keeps no per-turn state (the turn's context comes with each call), and a
  // definition made per turn had its JSON schema converted again on every turn.
  const sharedTools = [
    ...createDefaultTools({ sandbox, minFreeDiskBytes: config.limits.minFreeDiskBytes }),
    ...(webFetch ? [webFetch.tool] : []),
  ];
  const createTools = () => [...sharedTools, ...mcp.tools, ...(options.extraTools?.() ?? [])];
  const metrics = new Metrics({
    toolNames: [...createTools().map((tool) => tool.name), ...subagentToolNames],
  });
  const database = await openSqliteDatabase({ path: config.store.path, logger });
  const sqliteStore = new SqliteSessionStore(database, { logger });
  const store = options.wrapStore?.(sqliteStore) ?? sqliteStore;
  const transcripts = new SqliteTranscriptStore(database);
  const files = new SqliteFileStore(database);
  const fileBlobs = new DiskFileBlobs({
    root: join(config.dataDir, 'files'),
    maxBytes: config.limits.fileBytes,
    minFreeDiskBytes: config.limits.minFreeDiskBytes,
  });
  // Model calls go through a pool of the pinned undici, not the global one Node's copy claims.
  const modelDispatcher = createModelDispatcher();
  const registry = new MemoryStreamRegistry();
  const workspaces = new Workspaces({
    root: join(config.dataDir, 'workspaces'),
    minFreeDiskBytes: config.limits.minFreeDiskBytes,
  });
  const sessionEvents = new MemorySessionEvents();
  const notifier = new SessionNotifier({ store, events: sessionEvents, logger });
  const turns = new TurnService({
    store,
    lock: new MemoryLock(),
    queue: new MemoryTurnQueue(),
    maxTurnMs: config.limits.maxTurnMs,
    maxRunningTurns: config.limits.maxRunningTurns,
    registry,
    transcripts,
    files,
    fileBlobs,
    runtime: createRuntime({
      config,
      toolNames: createTools().map((tool) => tool.name),
      dispatcher: modelDispatcher,
      agentConfinement,
      claudeTestOptions: options.claudeTestOptions,
    }),
    utilityModel: config.model ? createUtilityModel(config.model, modelDispatcher) : null,
    retryPolicy: config.retry,
    workspaces,
    sandbox,
    createTools,
    modelName: config.model?.model ?? 'none',
    lockTtlMs: config.limits.lockTtlMs,
    modelSetupHint,
    notifier,
    metrics,
    logger,
  });
  // Turns left running by a previous process have no runner now: they end as interrupted.
  const interrupted = await turns.checkTurns();
  if (interrupted > 0) logger.warn({ interrupted }, 'marked turns of a previous run as interrupted');
  turns.nameUntitledSessions();
  turns.startWatchdog(config.limits.watchdogMs);
  const unboundFiles = new UnboundFilesSweep({ files, blobs: fileBlobs, logger });
  unboundFiles.start();

  let port = config.server.port;
  const listenPort = () => port;
  const app = createApp({
    config,
    metrics,
    store,
    files,
    fileBlobs,
    registry,
    turns,
    workspaces,
    logger,
    listenPort,
    sessionEvents,
    notifier,
    mcpStatuses: () => mcp.statuses(),
    startPacer: options.startPacer,
  });
  const listening = await listenHttp({
    server: createHttpServer({ fetch: app.fetch, host: config.server.host }),
    host: config.server.host,
    port,
  });
  port = listening.port;
  const hostForUrl = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${hostForUrl}:${port}`;
  logger.info(
    { url, runtime: config.runtime, model: config.model?.model ?? null, sandbox: sandbox.kind },
    'autopilot listening',
  );
  if (!config.model) logger.warn(modelSetupHint);
  else if (config.runtime === 'claude' && config.model.provider !== 'anthropic') {
    logger.warn(
      'The claude runtime needs an Anthropic model; this OpenAI-compatible model runs on the baseline runtime.',
    );
  }

  return {
    url,
    port,
    async close() {
      // Turns first, while their viewers are still connected; then the connections.
      unboundFiles.stop();
      await turns.shutdown({ graceMs: config.limits.shutdownGraceMs });
      await listening.close();
      await mcp.close();
      await webFetch?.close();
      await modelDispatcher.destroy();
      await store.close();
    },
  };
}

/** `bash_exec`'s sandbox: one E2B sandbox per session with `E2B_API_KEY`, else bubblewrap here. */
function createSandbox(options: { config: Config; logger: Logger; e2bClient?: E2bClient }): Sandbox {
  const { config, logger } = options;
  if (config.sandbox.kind === 'bubblewrap') {
    return new BubblewrapSandbox({ logger, limits: { minFreeDiskBytes: config.limits.minFreeDiskBytes } });
  }
  const client =
    options.e2bClient ??
    new E2bSdkClient({
      apiKey: config.sandbox.apiKey,
      template: config.sandbox.template ?? undefined,
      lifetimeMs: config.sandbox.lifetimeMs,
      internet: config.sandbox.internet,
    });
  return new E2bSandbox({
    client,
    logger,
    internet: config.sandbox.internet,
    minFreeDiskBytes: config.limits.minFreeDiskBytes,
  });
}

function createHttpServer(options: {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
}): HttpServer {
  // Without `createServer`, the adaptor makes a node:http server.
  const server = createAdaptorServer({ fetch: options.fetch, hostname: options.host }) as HttpServer;
  server.on('clientError', answerClientError);
  return server;
}
