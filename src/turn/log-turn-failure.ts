import type { ErrorCode } from '../protocol/index.ts';
import type { AppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';

/**
 * Conditions the engine expects and explains to the user: worth a warning, not a stack trace.
 * Anything else that fails a turn is a fault, logged as an error with its cause.
 */
const expectedCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'model_not_configured',
  'authentication_failed',
  'transient_api_error',
  'prompt_too_long',
  'all_attempts_exhausted',
  'circuit_breaker_empty_tool_calls',
  'turn_timeout',
  'turn_interrupted',
]);

export function logTurnFailure(options: { logger: Logger; error: AppError; cause: unknown }): void {
  const { logger, error } = options;
  if (expectedCodes.has(error.code)) {
    logger.warn({ code: error.code, reason: error.message }, 'turn failed');
    return;
  }
  logger.error({ err: options.cause, code: error.code }, 'turn failed');
}
