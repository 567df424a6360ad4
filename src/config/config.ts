import { resolve } from 'node:path';
import { z } from 'zod';
import { type EnvValues, parseEnvironment, parseSubagents, parseTokens } from './env-schema.ts';
import { loadMcpConfig, type McpServerConfig } from './mcp-config.ts';

export type RuntimeKind = 'claude' | 'baseline';

export type ModelConfig =
  | { provider: 'anthropic'; apiKey: string; baseUrl: string; model: string }
  | { provider: 'openai-compatible'; apiKey: string | null; baseUrl: string; model: string };

export interface SubagentConfig {
  description: string;
  prompt: string;
  /** Our tool names the sub-agent may use; all of them when absent. */
  tools?: string[];
  maxTurns?: number;
}

export type SandboxConfig =
  | { kind: 'bubblewrap' }
  | { kind: 'e2b'; apiKey: string; template: string | null; lifetimeMs: number; internet: boolean };

export interface ApiToken {
  userId: string;
  token: string;
}

export interface Config {
  server: { host: string; port: number };
  dataDir: string;
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  redisUrl: string | null;
  runtime: RuntimeKind;
  /** Null when no model is configured: the server still starts, and turns fail with `model_not_configured`. */
  model: ModelConfig | null;
  auth: { tokens: ApiToken[] };
  /** Sub-agents the main agent may delegate to (its `Agent` tool, on both runtimes), by name. */
  subagents: Record<string, SubagentConfig>;
  /** The `web_fetch` tool: on unless `AUTOPILOT_WEB_FETCH=off` (SPEC §6 lists it as a default tool). */
  webFetch: { enabled: boolean; maxBytes: number; timeoutMs: number };
  /**
   * Where `bash_exec` runs: under bubblewrap here, or, with `E2B_API_KEY`, in an E2B cloud
   * sandbox per session that lives `lifetimeMs` after its last command unless paused (the
   * backstop when this process dies mid-turn).
   */
  sandbox: SandboxConfig;
  /** Operator MCP servers (`AUTOPILOT_MCP_CONFIG`), by name; their tools are `mcp__<name>__<tool>`. */
  mcp: { servers: Record<string, McpServerConfig>; connectTimeoutMs: number; callTimeoutMs: number };
  limits: {
    /** The largest JSON request body. */
    bodyBytes: number;
    /** The largest uploaded file (`POST /api/files`). */
    fileBytes: number;
    /** Free space `bash_exec` keeps on the disk that holds workspaces (bubblewrap). */
    minFreeDiskBytes: number;
    /** An upload that sends nothing for this long is abandoned, and nothing of it is kept. */
    uploadStallMs: number;
    maxSteps: number;
    maxSubagents: number;
    /** A turn running longer than this is stopped. */
    maxTurnMs: number;
    /** Turns this process runs at once; more wait in the turn queue, in order. */
    maxRunningTurns: number;
    /** How often running turns are checked for a lost runner or an exceeded lifetime. */
    watchdogMs: number;
    /** On shutdown, how long running turns may go on before they end as interrupted. */
    shutdownGraceMs: number;
    /** Model calls per turn for the claude runtime. */
    maxTurns: number;
    /** Warm Claude Code processes kept between turns (0 disables the warm path). */
    maxLiveProcesses: number;
    processIdleMs: number;
    heartbeatMs: number;
    lockTtlMs: number;
  };
  retry: {
    maxTransientRetries: number;
    retryBaseMs: number;
    contextBudgetTokens: number;
    summaryTimeoutMs: number;
  };
  /**
   * Whether the Claude Code process runs under bubblewrap: `auto` where it works, `required`
   * (refuse to run it unconfined; the default with API tokens, that is, several users) or `off`.
   */
  agentSandbox: 'auto' | 'required' | 'off';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const defaultAnthropicModel = 'claude-sonnet-4-5';

/** Command-line flags override the environment. */
export interface ConfigOverrides {
  host?: string;
  port?: number;
  dataDir?: string;
}

/**
 * Reads and validates the whole configuration once. Lists every problem at once.
 * The only place in the project that reads the environment (callers pass `process.env`).
 */
export function loadConfig(env: Record<string, string | undefined>, overrides: ConfigOverrides = {}): Config {
  const problems: string[] = [];
  const values = parseEnvironment({ env, problems });

  const tokens = parseTokens({ raw: values.AUTOPILOT_API_TOKENS, problems });
  const model = resolveModel(values, problems);
  const subagents = parseSubagents({ raw: values.AUTOPILOT_SUBAGENTS, problems });
  const mcpServers = loadMcpConfig({ path: values.AUTOPILOT_MCP_CONFIG, problems });
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(overrides.dataDir ?? values.AUTOPILOT_DATA_DIR ?? '.autopilot');
  const config: Config = {
    server: {
      host: overrides.host ?? values.AUTOPILOT_HOST ?? '127.0.0.1',
      port: overrides.port ?? values.AUTOPILOT_PORT ?? 8787,
    },
    dataDir,
    store: values.DATABASE_URL
      ? { kind: 'postgres', url: values.DATABASE_URL }
      : { kind: 'sqlite', path: resolve(dataDir, 'autopilot.db') },
    redisUrl: values.REDIS_URL ?? null,
    runtime: values.AUTOPILOT_RUNTIME ?? (model?.provider === 'anthropic' ? 'claude' : 'baseline'),
    model,
    auth: { tokens },
    subagents,
    sandbox: values.E2B_API_KEY
      ? {
          kind: 'e2b',
          apiKey: values.E2B_API_KEY,
          template: values.AUTOPILOT_E2B_TEMPLATE ?? null,
          lifetimeMs: values.AUTOPILOT_E2B_TIMEOUT_MS ?? 15 * 60_000,
          internet: values.AUTOPILOT_E2B_INTERNET === 'on',
        }
      : { kind: 'bubblewrap' },
    mcp: { servers: mcpServers, connectTimeoutMs: 15_000, callTimeoutMs: 120_000 },
    webFetch: { enabled: values.AUTOPILOT_WEB_FETCH !== 'off', maxBytes: 5 * 1024 * 1024, timeoutMs: 30_000 },
    limits: {
      bodyBytes: values.AUTOPILOT_MAX_BODY_BYTES ?? 1024 * 1024,
      fileBytes: values.AUTOPILOT_MAX_FILE_BYTES ?? 20 * 1024 * 1024,
      minFreeDiskBytes: (values.AUTOPILOT_MIN_FREE_DISK_MB ?? 1024) * 1024 * 1024,
      uploadStallMs: values.AUTOPILOT_UPLOAD_STALL_MS ?? 30_000,
      maxSteps: values.AUTOPILOT_MAX_STEPS ?? 50,
      maxSubagents: values.AUTOPILOT_MAX_SUBAGENTS ?? 3,
      heartbeatMs: values.AUTOPILOT_HEARTBEAT_MS ?? 10_000,
      lockTtlMs: 120_000,
      maxTurns: 100,
      maxTurnMs: values.AUTOPILOT_MAX_TURN_MS ?? 6 * 3_600_000,
      maxRunningTurns: values.AUTOPILOT_MAX_RUNNING_TURNS ?? 1024,
      watchdogMs: values.AUTOPILOT_WATCHDOG_MS ?? 15_000,
      shutdownGraceMs: values.AUTOPILOT_SHUTDOWN_GRACE_MS ?? 10_000,
      maxLiveProcesses: values.AUTOPILOT_MAX_LIVE_PROCESSES ?? 8,
      processIdleMs: values.AUTOPILOT_PROCESS_IDLE_MS ?? 5 * 60_000,
    },
    retry: {
      maxTransientRetries: values.AUTOPILOT_MAX_TRANSIENT_RETRIES ?? 3,
      retryBaseMs: values.AUTOPILOT_RETRY_BASE_MS ?? 1_000,
      contextBudgetTokens: values.AUTOPILOT_CONTEXT_BUDGET_TOKENS ?? 140_000,
      summaryTimeoutMs: 60_000,
    },
    agentSandbox: values.AUTOPILOT_AGENT_SANDBOX ?? (tokens.length > 0 ? 'required' : 'auto'),
    logLevel: values.AUTOPILOT_LOG_LEVEL ?? 'info',
  };
  return deepFreeze(config);
}

function resolveModel(values: EnvValues, problems: string[]): ModelConfig | null {
  const provider =
    values.AUTOPILOT_PROVIDER ??
    (values.OPENAI_BASE_URL && !values.ANTHROPIC_API_KEY ? 'openai-compatible' : 'anthropic');
  if (provider === 'anthropic') {
    if (!values.ANTHROPIC_API_KEY) return null;
    return {
      provider,
      apiKey: values.ANTHROPIC_API_KEY,
      baseUrl: trimSlash(values.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com'),
      model: values.AUTOPILOT_MODEL ?? defaultAnthropicModel,
    };
  }
  // Chosen explicitly, the provider cannot work without its address: say so now, not at the first turn.
  if (!values.OPENAI_BASE_URL) {
    problems.push(
      'OPENAI_BASE_URL: required with AUTOPILOT_PROVIDER=openai-compatible (the endpoint, e.g. http://localhost:11434/v1)',
    );
  }
  if (!values.AUTOPILOT_MODEL) {
    problems.push(
      'AUTOPILOT_MODEL: required with AUTOPILOT_PROVIDER=openai-compatible (the model name to request)',
    );
  }
  if (!values.OPENAI_BASE_URL || !values.AUTOPILOT_MODEL) return null;
  return {
    provider,
    apiKey: values.OPENAI_API_KEY ?? null,
    baseUrl: trimSlash(values.OPENAI_BASE_URL),
    model: values.AUTOPILOT_MODEL,
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** How to configure a model, shown in the terminal, the web page and `model_not_configured` errors. */
export const modelSetupHint =
  'No model is configured. Set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a compatible endpoint), ' +
  'or set AUTOPILOT_PROVIDER=openai-compatible with OPENAI_BASE_URL and AUTOPILOT_MODEL, then restart Autopilot.';

export interface ClientConfig {
  url: string;
  token: string | null;
}

/** What `autopilot chat` and `autopilot sessions` need to reach a server. */
export function loadClientConfig(
  env: Record<string, string | undefined>,
  overrides: { url?: string } = {},
): ClientConfig {
  const port = env.AUTOPILOT_PORT || '8787';
  const url = overrides.url || env.AUTOPILOT_URL || `http://127.0.0.1:${port}`;
  const parsed = z.url({ protocol: /^https?$/ }).safeParse(url);
  if (!parsed.success) throw new ConfigError([`AUTOPILOT_URL: ${url} is not an http(s) URL`]);
  return { url: trimSlash(url), token: env.AUTOPILOT_TOKEN || null };
}
