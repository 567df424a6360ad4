import { z } from 'zod';
import type { ClientConfig } from '../config/config.ts';
import { errorCodes } from '../protocol/index.ts';
import { AppError } from '../util/app-error.ts';

const errorBodySchema = z.object({ error: z.object({ code: z.enum(errorCodes), message: z.string() }) });

/** A thin HTTP client for the CLI commands. Error answers become `AppError`s with the server's words. */
export class ApiClient {
  readonly #config: ClientConfig;

  constructor(config: ClientConfig) {
    this.#config = config;
  }

  async request(options: {
    method: string;
    path: string;
    body?: unknown;
    signal?: AbortSignal;
  }): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#config.token) headers.authorization = `Bearer ${this.#config.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.#config.url}${options.path}`, {
        method: options.method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      throw new AppError(
        'service_unavailable',
        `Cannot reach Autopilot at ${this.#config.url}. Is \`autopilot serve\` running?`,
        { cause: error, retryable: true },
      );
    }
    if (!response.ok) throw await toAppError(response);
    return response;
  }

  async json<T>(options: { method: string; path: string; body?: unknown }): Promise<T> {
    return (await (await this.request(options)).json()) as T;
  }
}

async function toAppError(response: Response): Promise<AppError> {
  const text = await response.text();
  let parsed: z.infer<typeof errorBodySchema> | null = null;
  try {
    parsed = errorBodySchema.parse(JSON.parse(text));
  } catch {
    // Not one of our JSON errors (a proxy's page, say): the status line says enough.
  }
  const retryAfter = response.headers.get('retry-after');
  return new AppError(
    parsed?.error.code ?? 'internal_error',
    parsed?.error.message ?? `HTTP ${response.status}`,
    {
      status: response.status,
      retryable: response.status === 429 || response.status === 503,
      headers: retryAfter ? { 'retry-after': retryAfter } : {},
    },
  );
}
