import type { ErrorCode } from '../protocol/errors.ts';

export interface AppErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Whether `message` may reach a client. Unexposed errors reach clients as a generic message. */
  expose?: boolean;
  /** HTTP status when this error ends a request. */
  status?: number;
  headers?: Record<string, string>;
}

/** The one error type that crosses module boundaries. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly expose: boolean;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.expose = options.expose ?? true;
    this.status = options.status ?? 500;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export const notFound = (what = 'Session') =>
  new AppError('not_found', `${what} not found.`, { status: 404 });
export const badRequest = (code: ErrorCode, message: string) => new AppError(code, message, { status: 400 });
