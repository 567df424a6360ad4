import type { ClientConfig } from '../config/config.ts';
import type { ErrorBody } from '../protocol/index.ts';

/** A thin HTTP client for the CLI commands. */
export class ApiClient {
  readonly #config: ClientConfig;

  constructor(config: ClientConfig) {
    this.#config = config;
  }

  async request(options: { method: string; path: string; body?: unknown }): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#config.token) headers.authorization = `Bearer ${this.#config.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.#config.url}${options.path}`, {
        method: options.method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      throw new Error(`Cannot reach Autopilot at ${this.#config.url}. Is \`autopilot serve\` running?`, {
        cause: error,
      });
    }
    if (!response.ok) {
      const text = await response.text();
      let message = `HTTP ${response.status}`;
      try {
        const body = JSON.parse(text) as ErrorBody;
        message = `${body.error.message} (${body.error.code})`;
      } catch {
        // Not one of our JSON errors: keep the status line.
      }
      throw new Error(message);
    }
    return response;
  }

  async json<T>(options: { method: string; path: string; body?: unknown }): Promise<T> {
    return (await (await this.request(options)).json()) as T;
  }
}
