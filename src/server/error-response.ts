import type { ErrorBody } from '../protocol/index.ts';
import { AppError, isAppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';

/** The one place that turns anything thrown into an HTTP response. Stack traces never leave. */
export function toErrorResponse(options: { error: unknown; logger: Logger }): Response {
  const { error, logger } = options;
  const appError = isAppError(error)
    ? error
    : new AppError('internal_error', 'Internal error', { cause: error, expose: false, status: 500 });
  if (appError.status >= 500) logger.error({ err: error, code: appError.code }, 'request failed');
  const body: ErrorBody = {
    error: {
      code: appError.code,
      message: appError.expose ? appError.message : 'Something went wrong. Please try again.',
    },
  };
  return Response.json(body, { status: appError.status, headers: appError.headers });
}
