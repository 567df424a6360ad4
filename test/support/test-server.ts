import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClaudeTestOptions } from '../../src/agent/claude/claude-test-options.ts';
import { type Config, loadConfig } from '../../src/config/config.ts';
import { type RunningAutopilot, startAutopilot } from '../../src/main.ts';
import type { E2bClient } from '../../src/sandbox/e2b-client.ts';
import type { SessionStore } from '../../src/store/session-store.ts';
import type { AnyToolDefinition } from '../../src/tools/tool.ts';
import { createLogger } from '../../src/util/logger.ts';
import type { Pacer } from '../../src/util/loop-pacer.ts';
import {
  type FakeBrain,
  type FakeModelServer,
  startFakeAnthropicServer,
  startFakeOpenAIServer,
} from './fake-model/index.ts';

export type Provider = 'anthropic' | 'openai-compatible';

export interface TestServer {
  url: string;
  dataDir: string;
  fake: FakeModelServer;
  config: Config;
  /** Stops the server and starts a new one on the same data dir (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
  api(path: string, init?: ApiInit): Promise<Response>;
}

/** The real server on a loopback port, against a fake model server, on a fresh data dir. */
export async function startTestServer(options: {
  provider?: Provider;
  runtime?: 'baseline' | 'claude';
  brain?: FakeBrain;
  env?: Record<string, string>;
  noModel?: boolean;
  extraTools?: () => AnyToolDefinition[];
  /** Holds new messages where the route paces their start-ups. */
  startPacer?: Pacer;
  wrapStore?: (store: SessionStore) => SessionStore;
  /** Protections of the Claude Code process taken away, so that a test proves the others hold. */
  claudeTestOptions?: ClaudeTestOptions;
  /** With `env.E2B_API_KEY`: the fake E2B that `bash_exec` runs in (kept across restarts, as E2B would be). */
  e2bClient?: E2bClient;
}): Promise<TestServer> {
  const provider = options.provider ?? 'anthropic';
  const fake =
    provider === 'anthropic'
      ? await startFakeAnthropicServer({ brain: options.brain })
      : await startFakeOpenAIServer({ brain: options.brain });
  const dataDir = await mkdtemp(join(tmpdir(), 'autopilot-test-'));
  const modelEnv: Record<string, string> = options.noModel
    ? {}
    : provider === 'anthropic'
      ? { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, AUTOPILOT_MODEL: 'claude-test' }
      : {
          AUTOPILOT_PROVIDER: 'openai-compatible',
          OPENAI_BASE_URL: `${fake.url}/v1`,
          OPENAI_API_KEY: 'test',
          AUTOPILOT_MODEL: 'fake-model',
        };
  const config = loadConfig(
    {
      AUTOPILOT_RUNTIME: options.runtime ?? 'baseline',
      AUTOPILOT_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      AUTOPILOT_RETRY_BASE_MS: '10',
      AUTOPILOT_SHUTDOWN_GRACE_MS: '0',
      ...modelEnv,
      ...options.env,
    },
    { host: '127.0.0.1', port: 0, dataDir },
  );
  const logger = createLogger({ level: config.logLevel });
  const start = () =>
    startAutopilot({
      config,
      logger,
      extraTools: options.extraTools,
      startPacer: options.startPacer,
      wrapStore: options.wrapStore,
      claudeTestOptions: options.claudeTestOptions,
      e2bClient: options.e2bClient,
    });
  let server: RunningAutopilot = await start();

  const testServer: TestServer = {
    get url() {
      return server.url;
    },
    dataDir,
    fake,
    config,
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      await server.close();
      await fake.close();
      await rm(dataDir, { recursive: true, force: true });
    },
    api: (path, init) => callApi({ baseUrl: server.url, path, init }),
  };
  return testServer;
}

/** Options of `TestServer.api`: a `json` body is sent as JSON, a `token` as a bearer token. */
export type ApiInit = RequestInit & { json?: unknown; token?: string };

/** A call to the server's HTTP API at `baseUrl`, as `TestServer.api` makes it. */
export function callApi(options: { baseUrl: string; path: string; init?: ApiInit }): Promise<Response> {
  const { json, token, ...rest } = options.init ?? {};
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${options.baseUrl}${options.path}`, {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
}

export async function createSession(server: Pick<TestServer, 'api'>, token?: string): Promise<string> {
  const response = await server.api('/api/sessions', { method: 'POST', json: {}, token });
  if (response.status !== 201) throw new Error(`createSession: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export function sendMessage(
  server: Pick<TestServer, 'api'>,
  options: {
    sessionId: string;
    text: string;
    messageId?: string;
    fileIds?: string[];
    delivery?: 'next-turn' | 'steer';
    token?: string;
  },
): Promise<Response> {
  return server.api(`/api/sessions/${options.sessionId}/messages`, {
    method: 'POST',
    json: {
      text: options.text,
      ...(options.messageId ? { messageId: options.messageId } : {}),
      ...(options.fileIds ? { fileIds: options.fileIds } : {}),
      ...(options.delivery ? { delivery: options.delivery } : {}),
    },
    token: options.token,
  });
}
