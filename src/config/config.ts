import { resolve } from 'node:path';
import { z } from 'zod';

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

const subagentsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'sub-agent names are lower-case words joined by -'),
  z.strictObject({
    description: z.string().min(1).max(1000),
    prompt: z.string().min(1).max(20_000),
    tools: z.array(z.string()).optional(),
    maxTurns: z.number().int().min(1).max(200).optional(),
  }),
);

const defaultSubagents: Record<string, SubagentConfig> = {
  worker: {
    description:
      'A general helper for a self-contained sub-task in the same workspace. Give it a complete brief.',
    prompt:
      'You are a sub-agent working on one delegated task in a shared workspace. Use the tools to do the task, ' +
      'then reply with a short report of what you did and found.',
  },
};

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
  /** Sub-agents the main agent may delegate to (claude runtime), by name. */
  subagents: Record<string, SubagentConfig>;
  limits: {
    bodyBytes: number;
    maxSteps: number;
    maxSubagents: number;
    /** A turn running longer than this is stopped. */
    maxTurnMs: number;
    /** How often running turns are checked for a lost runner or an exceeded lifetime. */
    watchdogMs: number;
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
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset. */
const optionalString = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());
const optionalUrl = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.url({ protocol: /^https?$/ }).optional(),
);
const optionalInt = (min: number, max: number) =>
  z.preprocess(
    (value) =>
      value === undefined || (typeof value === 'string' && value.trim() === '') ? undefined : Number(value),
    z.number().int().min(min).max(max).optional(),
  );

const envSchema = z.object({
  AUTOPILOT_HOST: optionalString,
  AUTOPILOT_PORT: optionalInt(0, 65_535),
  AUTOPILOT_DATA_DIR: optionalString,
  DATABASE_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  REDIS_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
  ),
  AUTOPILOT_RUNTIME: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['claude', 'baseline']).optional(),
  ),
  AUTOPILOT_PROVIDER: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['anthropic', 'openai-compatible']).optional(),
  ),
  AUTOPILOT_MODEL: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  AUTOPILOT_API_TOKENS: optionalString,
  AUTOPILOT_MAX_BODY_BYTES: optionalInt(1024, 100 * 1024 * 1024),
  AUTOPILOT_MAX_STEPS: optionalInt(1, 500),
  AUTOPILOT_MAX_SUBAGENTS: optionalInt(0, 50),
  AUTOPILOT_HEARTBEAT_MS: optionalInt(10, 600_000),
  AUTOPILOT_MAX_LIVE_PROCESSES: optionalInt(0, 1000),
  AUTOPILOT_MAX_TURN_MS: optionalInt(100, 7 * 24 * 3_600_000),
  AUTOPILOT_WATCHDOG_MS: optionalInt(10, 3_600_000),
  AUTOPILOT_MAX_TRANSIENT_RETRIES: optionalInt(0, 10),
  AUTOPILOT_RETRY_BASE_MS: optionalInt(1, 60_000),
  AUTOPILOT_CONTEXT_BUDGET_TOKENS: optionalInt(1_000, 10_000_000),
  AUTOPILOT_PROCESS_IDLE_MS: optionalInt(100, 24 * 3_600_000),
  AUTOPILOT_SUBAGENTS: optionalString,
  AUTOPILOT_LOG_LEVEL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
});

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
  // Each variable is checked on its own, so a bad one does not hide problems in the others.
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(envSchema.shape)) {
    const result = schema.safeParse(env[name]);
    if (result.success) parsed[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${name}: ${issue.message}`));
  }
  const values = parsed as z.infer<typeof envSchema>;

  const tokens = parseTokens(values.AUTOPILOT_API_TOKENS, problems);
  const model = resolveModel(values, problems);
  const subagents = parseSubagents(values.AUTOPILOT_SUBAGENTS, problems);
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
    limits: {
      bodyBytes: values.AUTOPILOT_MAX_BODY_BYTES ?? 1024 * 1024,
      maxSteps: values.AUTOPILOT_MAX_STEPS ?? 50,
      maxSubagents: values.AUTOPILOT_MAX_SUBAGENTS ?? 3,
      heartbeatMs: values.AUTOPILOT_HEARTBEAT_MS ?? 10_000,
      lockTtlMs: 120_000,
      maxTurns: 100,
      maxTurnMs: values.AUTOPILOT_MAX_TURN_MS ?? 6 * 3_600_000,
      watchdogMs: values.AUTOPILOT_WATCHDOG_MS ?? 15_000,
      maxLiveProcesses: values.AUTOPILOT_MAX_LIVE_PROCESSES ?? 8,
      processIdleMs: values.AUTOPILOT_PROCESS_IDLE_MS ?? 5 * 60_000,
    },
    retry: {
      maxTransientRetries: values.AUTOPILOT_MAX_TRANSIENT_RETRIES ?? 3,
      retryBaseMs: values.AUTOPILOT_RETRY_BASE_MS ?? 1_000,
      contextBudgetTokens: values.AUTOPILOT_CONTEXT_BUDGET_TOKENS ?? 140_000,
      summaryTimeoutMs: 60_000,
    },
    logLevel: values.AUTOPILOT_LOG_LEVEL ?? 'info',
  };
  return deepFreeze(config);
}

function resolveModel(values: z.infer<typeof envSchema>, problems: string[]): ModelConfig | null {
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
  if (!values.OPENAI_BASE_URL) return null;
  if (!values.AUTOPILOT_MODEL) {
    problems.push(
      'AUTOPILOT_MODEL: required with AUTOPILOT_PROVIDER=openai-compatible (the model name to request)',
    );
    return null;
  }
  return {
    provider,
    apiKey: values.OPENAI_API_KEY ?? null,
    baseUrl: trimSlash(values.OPENAI_BASE_URL),
    model: values.AUTOPILOT_MODEL,
  };
}

/** `AUTOPILOT_API_TOKENS="alice:secret1,bob:secret2"`: each token authenticates as its user. */
function parseTokens(raw: string | undefined, problems: string[]): ApiToken[] {
  if (!raw) return [];
  const tokens: ApiToken[] = [];
  for (const entry of raw.split(',')) {
    const separator = entry.indexOf(':');
    const userId = entry.slice(0, separator).trim();
    const token = entry.slice(separator + 1).trim();
    if (separator <= 0 || !/^[A-Za-z0-9_.-]{1,64}$/.test(userId) || token.length < 16) {
      problems.push(
        'AUTOPILOT_API_TOKENS: each entry must be <user>:<token>, with a user of [A-Za-z0-9_.-] and a token of at least 16 characters',
      );
      return [];
    }
    tokens.push({ userId, token });
  }
  return tokens;
}

/** `AUTOPILOT_SUBAGENTS` is JSON: `{"name": {"description": "...", "prompt": "...", "tools": ["read_file"]}}`. */
function parseSubagents(raw: string | undefined, problems: string[]): Record<string, SubagentConfig> {
  if (!raw) return defaultSubagents;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problems.push('AUTOPILOT_SUBAGENTS: must be JSON');
    return {};
  }
  const parsed = subagentsSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`AUTOPILOT_SUBAGENTS.${issue.path.join('.')}: ${issue.message}`);
    }
    return {};
  }
  return parsed.data;
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
