import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, defaultAnthropicModel, loadClientConfig, loadConfig } from './config.ts';

const aliceToken = 'alice-secret-0123456789';
const bobToken = 'bob-secret-abcdefghijkl';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('Expected a ConfigError');
}

describe('loadConfig', () => {
  test('an empty environment gives local defaults, SQLite under the data dir, and no model', () => {
    const config = loadConfig({});

    expect(config.server).toEqual({ host: '127.0.0.1', port: 8787 });
    expect(config.dataDir).toBe(resolve('.autopilot'));
    expect(config.store).toEqual({ kind: 'sqlite', path: resolve('.autopilot', 'autopilot.db') });
    expect(config.redisUrl).toBeNull();
    expect(config.model).toBeNull();
    expect(config.runtime).toBe('baseline');
    expect(config.auth.tokens).toEqual([]);
    expect(config.logLevel).toBe('info');
    expect(config.limits.fileBytes).toBe(20 * 1024 * 1024);
  });

  test('web_fetch is on unless AUTOPILOT_WEB_FETCH=off; anything else is a problem', () => {
    expect(loadConfig({}).webFetch.enabled).toBe(true);
    expect(loadConfig({ AUTOPILOT_WEB_FETCH: 'off' }).webFetch.enabled).toBe(false);
    expect(problemsOf(() => loadConfig({ AUTOPILOT_WEB_FETCH: 'false' }))[0]).toMatch(/^AUTOPILOT_WEB_FETCH/);
  });

  test('bash_exec runs under bubblewrap unless E2B_API_KEY selects E2B, with a 15-minute life and no internet', () => {
    expect(loadConfig({}).sandbox).toEqual({ kind: 'bubblewrap' });
    expect(loadConfig({ E2B_API_KEY: 'e2b_key_0123', AUTOPILOT_E2B_TEMPLATE: '' }).sandbox).toEqual({
      kind: 'e2b',
      apiKey: 'e2b_key_0123',
      template: null,
      lifetimeMs: 15 * 60_000,
      internet: false,
    });
    expect(
      loadConfig({
        E2B_API_KEY: 'e2b_key_0123',
        AUTOPILOT_E2B_TEMPLATE: 'my-template',
        AUTOPILOT_E2B_TIMEOUT_MS: '600000',
        AUTOPILOT_E2B_INTERNET: 'on',
      }).sandbox,
    ).toMatchObject({ template: 'my-template', lifetimeMs: 600_000, internet: true });
  });

  test('an E2B life too short for a command is a problem, and no problem shows the key', () => {
    const problems = problemsOf(() =>
      loadConfig({
        E2B_API_KEY: 'e2b_key_secret',
        AUTOPILOT_E2B_TIMEOUT_MS: '1000',
        AUTOPILOT_E2B_INTERNET: 'yes',
      }),
    );
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'AUTOPILOT_E2B_TIMEOUT_MS',
      'AUTOPILOT_E2B_INTERNET',
    ]);
    expect(problems.join('\n')).not.toContain('e2b_key_secret');
  });

  test('an Anthropic key selects the Anthropic model and the claude runtime', () => {
    const config = loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-test' });

    expect(config.model).toEqual({
      provider: 'anthropic',
      apiKey: 'sk-ant-test',
      baseUrl: 'https://api.anthropic.com',
      model: defaultAnthropicModel,
    });
    expect(config.runtime).toBe('claude');
  });

  test('ANTHROPIC_BASE_URL and AUTOPILOT_MODEL are honoured, with trailing slashes trimmed', () => {
    const config = loadConfig({
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000/',
      AUTOPILOT_MODEL: 'claude-opus-4',
    });

    expect(config.model).toMatchObject({ baseUrl: 'http://127.0.0.1:9000', model: 'claude-opus-4' });
  });

  test('AUTOPILOT_RUNTIME chooses the runtime whatever the provider', () => {
    expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-test', AUTOPILOT_RUNTIME: 'baseline' }).runtime).toBe(
      'baseline',
    );
    expect(loadConfig({ AUTOPILOT_RUNTIME: 'claude' }).runtime).toBe('claude');
  });

  test('empty strings count as unset', () => {
    const config = loadConfig({
      AUTOPILOT_HOST: '',
      AUTOPILOT_PORT: '',
      AUTOPILOT_DATA_DIR: '',
      DATABASE_URL: '',
      REDIS_URL: '',
      AUTOPILOT_RUNTIME: '',
      AUTOPILOT_PROVIDER: '',
      AUTOPILOT_MODEL: '',
      ANTHROPIC_API_KEY: '',
      ANTHROPIC_BASE_URL: '',
      OPENAI_BASE_URL: '',
      AUTOPILOT_API_TOKENS: '',
      AUTOPILOT_LOG_LEVEL: '',
      AUTOPILOT_MAX_STEPS: '',
    });

    expect(config).toEqual(loadConfig({}));
  });

  test('DATABASE_URL selects Postgres and REDIS_URL is passed through', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://autopilot@db/autopilot',
      REDIS_URL: 'redis://cache:6379',
    });

    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://autopilot@db/autopilot' });
    expect(config.redisUrl).toBe('redis://cache:6379');
  });

  test('openai-compatible with a base URL and a model builds that model and the baseline runtime', () => {
    const config = loadConfig({
      AUTOPILOT_PROVIDER: 'openai-compatible',
      OPENAI_BASE_URL: 'http://localhost:11434/v1/',
      AUTOPILOT_MODEL: 'qwen3',
    });

    expect(config.model).toEqual({
      provider: 'openai-compatible',
      apiKey: null,
      baseUrl: 'http://localhost:11434/v1',
      model: 'qwen3',
    });
    expect(config.runtime).toBe('baseline');
  });

  test('openai-compatible without OPENAI_BASE_URL is an error that names the variable', () => {
    expect(
      problemsOf(() => loadConfig({ AUTOPILOT_PROVIDER: 'openai-compatible', AUTOPILOT_MODEL: 'qwen3' })),
    ).toEqual([expect.stringMatching(/^OPENAI_BASE_URL: required/)]);
    expect(problemsOf(() => loadConfig({ AUTOPILOT_PROVIDER: 'openai-compatible' }))).toEqual([
      expect.stringMatching(/^OPENAI_BASE_URL: required/),
      expect.stringMatching(/^AUTOPILOT_MODEL: required/),
    ]);
  });

  test('openai-compatible without AUTOPILOT_MODEL is an error that names the variable', () => {
    const problems = problemsOf(() =>
      loadConfig({ AUTOPILOT_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: 'http://localhost:11434/v1' }),
    );

    expect(problems).toEqual([expect.stringMatching(/^AUTOPILOT_MODEL: required/)]);
  });

  test('every bad value is reported at once in one ConfigError', () => {
    const problems = problemsOf(() =>
      loadConfig({
        AUTOPILOT_PORT: 'eighty',
        AUTOPILOT_RUNTIME: 'gpt',
        AUTOPILOT_API_TOKENS: 'alice:short',
        DATABASE_URL: 'mysql://db',
        AUTOPILOT_PROVIDER: 'openai-compatible',
        OPENAI_BASE_URL: 'http://localhost:11434/v1',
      }),
    );

    expect(problems).toHaveLength(5);
    for (const variable of [
      'AUTOPILOT_PORT',
      'AUTOPILOT_RUNTIME',
      'AUTOPILOT_API_TOKENS',
      'DATABASE_URL',
      'AUTOPILOT_MODEL',
    ]) {
      expect(problems.some((problem) => problem.startsWith(`${variable}:`))).toBe(true);
    }
  });

  test('the ConfigError message lists each problem on its own line', () => {
    const error = (() => {
      try {
        loadConfig({ AUTOPILOT_PORT: '70000', AUTOPILOT_LOG_LEVEL: 'loud' });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('Expected a ConfigError');
    })();

    expect(error.message).toMatch(
      /^Invalid configuration:\n {2}- AUTOPILOT_PORT: .+\n {2}- AUTOPILOT_LOG_LEVEL: /,
    );
  });

  test.each([['-1'], ['65536'], ['80.5'], ['http']])('port %s is refused', (port) => {
    expect(problemsOf(() => loadConfig({ AUTOPILOT_PORT: port }))).toEqual([
      expect.stringMatching(/^AUTOPILOT_PORT:/),
    ]);
  });

  test('API tokens parse into users and tokens, ignoring spaces around entries', () => {
    const config = loadConfig({ AUTOPILOT_API_TOKENS: `alice:${aliceToken}, bob:${bobToken}` });

    expect(config.auth.tokens).toEqual([
      { userId: 'alice', token: aliceToken },
      { userId: 'bob', token: bobToken },
    ]);
  });

  test('a token may itself contain colons', () => {
    const config = loadConfig({ AUTOPILOT_API_TOKENS: 'alice:abc:def:ghi:jkl:mno' });

    expect(config.auth.tokens).toEqual([{ userId: 'alice', token: 'abc:def:ghi:jkl:mno' }]);
  });

  test.each([
    ['a token shorter than 16 characters', `alice:${aliceToken},bob:short`],
    ['an entry without a user', `:${aliceToken}`],
    ['an entry without a colon', aliceToken],
    ['a user with a space', `al ice:${aliceToken}`],
    ['an empty entry', `alice:${aliceToken},`],
  ])('API tokens with %s are refused', (_, raw) => {
    expect(problemsOf(() => loadConfig({ AUTOPILOT_API_TOKENS: raw }))).toEqual([
      expect.stringMatching(/^AUTOPILOT_API_TOKENS:/),
    ]);
  });

  test('overrides beat the environment', () => {
    const config = loadConfig(
      { AUTOPILOT_HOST: '0.0.0.0', AUTOPILOT_PORT: '9000', AUTOPILOT_DATA_DIR: '/srv/from-env' },
      { host: '::1', port: 0, dataDir: '/srv/from-flag' },
    );

    expect(config.server).toEqual({ host: '::1', port: 0 });
    expect(config.dataDir).toBe(resolve('/srv/from-flag'));
    expect(config.store).toEqual({ kind: 'sqlite', path: resolve('/srv/from-flag', 'autopilot.db') });
  });

  test('the environment beats the defaults', () => {
    const config = loadConfig({
      AUTOPILOT_HOST: '0.0.0.0',
      AUTOPILOT_PORT: '9000',
      AUTOPILOT_DATA_DIR: '/srv/autopilot',
      AUTOPILOT_MAX_STEPS: '7',
      AUTOPILOT_MAX_FILE_BYTES: '5000',
      AUTOPILOT_UPLOAD_STALL_MS: '2500',
      AUTOPILOT_MIN_FREE_DISK_MB: '256',
      AUTOPILOT_LOG_LEVEL: 'debug',
    });

    expect(config.server).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(config.store).toEqual({ kind: 'sqlite', path: resolve('/srv/autopilot', 'autopilot.db') });
    expect(config.limits.maxSteps).toBe(7);
    expect(config.limits.fileBytes).toBe(5000);
    expect(config.limits.uploadStallMs).toBe(2500);
    expect(config.limits.minFreeDiskBytes).toBe(256 * 1024 ** 2);
    expect(config.logLevel).toBe('debug');
  });

  test('the result is frozen all the way down', () => {
    const config = loadConfig({
      ANTHROPIC_API_KEY: 'sk-ant-test',
      AUTOPILOT_API_TOKENS: `alice:${aliceToken}`,
    });

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.model)).toBe(true);
    expect(Object.isFrozen(config.auth.tokens)).toBe(true);
    expect(Object.isFrozen(config.auth.tokens[0])).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  test('there is no model without a key, even when a model name is set', () => {
    const config = loadConfig({
      AUTOPILOT_MODEL: 'claude-opus-4',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000',
    });

    expect(config.model).toBeNull();
    expect(config.runtime).toBe('baseline');
  });
});

describe('loadClientConfig', () => {
  test('defaults to the local server without a token', () => {
    expect(loadClientConfig({})).toEqual({ url: 'http://127.0.0.1:8787', token: null });
  });

  test('follows AUTOPILOT_PORT when no URL is given', () => {
    expect(loadClientConfig({ AUTOPILOT_PORT: '9100' }).url).toBe('http://127.0.0.1:9100');
  });

  test('AUTOPILOT_URL and AUTOPILOT_TOKEN are used, with the trailing slash trimmed', () => {
    expect(
      loadClientConfig({ AUTOPILOT_URL: 'https://copilot.example.com/', AUTOPILOT_TOKEN: aliceToken }),
    ).toEqual({ url: 'https://copilot.example.com', token: aliceToken });
  });

  test('the URL override beats AUTOPILOT_URL', () => {
    expect(
      loadClientConfig({ AUTOPILOT_URL: 'https://env.example.com' }, { url: 'http://localhost:1234' }).url,
    ).toBe('http://localhost:1234');
  });

  test('empty strings count as unset', () => {
    expect(loadClientConfig({ AUTOPILOT_URL: '', AUTOPILOT_TOKEN: '', AUTOPILOT_PORT: '' })).toEqual({
      url: 'http://127.0.0.1:8787',
      token: null,
    });
  });

  test('a URL that is not http(s) is a ConfigError naming AUTOPILOT_URL', () => {
    expect(problemsOf(() => loadClientConfig({ AUTOPILOT_URL: 'ftp://example.com' }))).toEqual([
      expect.stringMatching(/^AUTOPILOT_URL:/),
    ]);
    expect(problemsOf(() => loadClientConfig({}, { url: 'not a url' }))).toEqual([
      expect.stringMatching(/^AUTOPILOT_URL:/),
    ]);
  });
});
