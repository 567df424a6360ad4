import { z } from 'zod';
import type { ApiToken, SubagentConfig } from './config.ts';

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
  AUTOPILOT_MAX_FILE_BYTES: optionalInt(1024, 1024 * 1024 * 1024),
  AUTOPILOT_MIN_FREE_DISK_MB: optionalInt(0, 1024 * 1024),
  AUTOPILOT_UPLOAD_STALL_MS: optionalInt(10, 600_000),
  AUTOPILOT_MAX_STEPS: optionalInt(1, 500),
  AUTOPILOT_MAX_SUBAGENTS: optionalInt(0, 50),
  AUTOPILOT_HEARTBEAT_MS: optionalInt(10, 600_000),
  AUTOPILOT_MAX_LIVE_PROCESSES: optionalInt(0, 1000),
  AUTOPILOT_MAX_TURN_MS: optionalInt(100, 7 * 24 * 3_600_000),
  AUTOPILOT_MAX_RUNNING_TURNS: optionalInt(1, 100_000),
  AUTOPILOT_WATCHDOG_MS: optionalInt(10, 3_600_000),
  AUTOPILOT_SHUTDOWN_GRACE_MS: optionalInt(0, 3_600_000),
  AUTOPILOT_MAX_TRANSIENT_RETRIES: optionalInt(0, 10),
  AUTOPILOT_RETRY_BASE_MS: optionalInt(1, 60_000),
  AUTOPILOT_CONTEXT_BUDGET_TOKENS: optionalInt(1_000, 10_000_000),
  AUTOPILOT_PROCESS_IDLE_MS: optionalInt(100, 24 * 3_600_000),
  AUTOPILOT_SUBAGENTS: optionalString,
  AUTOPILOT_WEB_FETCH: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['on', 'off']).optional(),
  ),
  AUTOPILOT_MCP_CONFIG: optionalString,
  E2B_API_KEY: optionalString,
  AUTOPILOT_E2B_TEMPLATE: optionalString,
  // At least 5 minutes: a command may run 2 minutes, and the life is renewed before each one.
  AUTOPILOT_E2B_TIMEOUT_MS: optionalInt(300_000, 24 * 3_600_000),
  AUTOPILOT_E2B_INTERNET: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['on', 'off']).optional(),
  ),
  AUTOPILOT_AGENT_SANDBOX: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['auto', 'required', 'off']).optional(),
  ),
  AUTOPILOT_LOG_LEVEL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
});

export type EnvValues = z.infer<typeof envSchema>;

/** Each variable is checked on its own, so a bad one does not hide problems in the others. */
export function parseEnvironment(options: {
  env: Record<string, string | undefined>;
  problems: string[];
}): EnvValues {
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(envSchema.shape)) {
    const result = schema.safeParse(options.env[name]);
    if (result.success) parsed[name] = result.data;
    else options.problems.push(...result.error.issues.map((issue) => `${name}: ${issue.message}`));
  }
  return parsed as EnvValues;
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

/** `AUTOPILOT_API_TOKENS="alice:secret1,bob:secret2"`: each token authenticates as its user. */
export function parseTokens(options: { raw: string | undefined; problems: string[] }): ApiToken[] {
  const { raw, problems } = options;
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
export function parseSubagents(options: {
  raw: string | undefined;
  problems: string[];
}): Record<string, SubagentConfig> {
  const { raw, problems } = options;
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
