import { AppError } from '../util/app-error.ts';

const transientStatuses = new Set([408, 429, 500, 502, 503, 504, 529]);
const transientPatterns = [
  /econnreset/i,
  /econnrefused/i,
  /socket (connection was )?closed unexpectedly/i,
  /connection was forcibly closed/i,
  /network socket disconnected/i,
  /other side closed/i,
  /terminated/i,
  /fetch failed/i,
  /overloaded/i,
  /rate.?limit/i,
  /too many requests/i,
];
const promptTooLongPattern =
  /prompt is too long|context.{0,20}(length|window).{0,20}exceed|maximum context length/i;

export interface ModelFailure {
  status?: number;
  message: string;
  cause?: unknown;
}

/**
 * Maps a provider failure to an AppError with friendly text. The provider's raw text is kept
 * only in `cause`, for the logs: it never reaches a client.
 */
export function classifyModelError(failure: ModelFailure): AppError {
  const { status, message, cause } = failure;
  if (isPromptTooLong(message)) {
    return new AppError('prompt_too_long', 'The conversation is too long for the model.', {
      cause,
      retryable: false,
    });
  }
  if (
    status === 401 ||
    status === 403 ||
    /authentication_error|invalid x-api-key|invalid api key/i.test(message)
  ) {
    return new AppError(
      'authentication_failed',
      'The model provider rejected the API key. Check the configured key and restart Autopilot.',
      { cause, retryable: false },
    );
  }
  if (status === 429 || /rate.?limit|too many requests/i.test(message)) {
    return new AppError(
      'transient_api_error',
      'The model provider is rate limiting requests. Please try again shortly.',
      {
        cause,
        retryable: true,
      },
    );
  }
  if (
    (status !== undefined && transientStatuses.has(status)) ||
    transientPatterns.some((p) => p.test(message))
  ) {
    return new AppError(
      'transient_api_error',
      'The connection to the model provider was interrupted. Please try again.',
      { cause, retryable: true },
    );
  }
  if (/timed? ?out|timeout/i.test(message)) {
    return new AppError(
      'transient_api_error',
      'The model provider took too long to answer. Please try again.',
      {
        cause,
        retryable: true,
      },
    );
  }
  return new AppError('model_error', 'The model provider returned an error. Please try again.', {
    cause,
    retryable: true,
  });
}

export function isPromptTooLong(message: string): boolean {
  return promptTooLongPattern.test(message);
}
