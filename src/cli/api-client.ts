import { z } from 'zod';
import type { ClientConfig } from '../config/config.ts';
import { errorCodes } from '../protocol/index.ts';
import { AppError } from '../util/app-error.ts';

/** A session id as the server makes them; anything else (escape sequences…) is refused, not printed. */
export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

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

  /**
   * The answer's JSON, checked against `schema`. An answer that is not JSON of
   * that shape (a web page at a wrong `--url`, a proxy's login page) is a clear error, not a crash.
   */
  async json<T>(options: { method: string; path: string; body?: unknown; schema: z.ZodType<T> }): Promise<T> {
    const response = await this.request(options);
    let value: unknown;
    try {
      if (!response.headers.get('content-type')?.includes('json')) throw new Error('not JSON');
      value = await response.json();
    } catch (error) {
      throw this.#unexpected(error);
    }
    const parsed = options.schema.safeParse(value);
    if (!parsed.success) throw this.#unexpected(parsed.error);
    return parsed.data;
  }

  #unexpected(cause: unknown): AppError {
    return new AppError(
      'internal_error',
      `The server at ${this.#config.url} did not answer as Autopilot does. Is that the right address?`,
      { cause, retryable: false },
    );
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
