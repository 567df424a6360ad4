import type { ErrorBody } from '../../src/protocol/index.ts';

const tokenKey = 'autopilot.token';

/** A failed HTTP request, with the server's error code and, for 429, when to try again. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

export function getToken(): string | null {
  return localStorage.getItem(tokenKey);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(tokenKey, token);
  else localStorage.removeItem(tokenKey);
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Turns a non-2xx response into an ApiError with the server's friendly message. */
export async function toApiError(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  let code = 'http_error';
  let message = `The server answered ${response.status}.`;
  try {
    const body = (await response.json()) as Partial<ErrorBody>;
    if (body.error) ({ code, message } = body.error);
  } catch {
    // Not JSON (a proxy's page): keep the generic message.
  }
  return new ApiError(
    response.status,
    code,
    message,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

export async function apiFetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  for (const [name, value] of Object.entries(authHeaders())) headers.set(name, value);
  if (json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(path, {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  if (!response.ok) throw await toApiError(response);
  return response;
}

export async function apiJson<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const response = await apiFetch(path, init);
  return (await response.json()) as T;
}
