import { z } from 'zod';

/** Every error code a client can receive, in HTTP bodies and in `data-error` stream parts. */
export const errorCodes = [
  'bad_request',
  'invalid_json',
  'empty_prompt',
  'message_too_long',
  'too_many_files',
  'payload_too_large',
  'unsupported_media_type',
  'request_timeout',
  'unauthorized',
  'forbidden',
  'not_found',
  'turn_in_progress',
  'message_not_last',
  'queue_full',
  'rate_limited',
  'service_unavailable',
  'internal_error',
  'model_not_configured',
  'model_error',
  'model_request_rejected',
  'prompt_too_long',
  'transient_api_error',
  'authentication_failed',
  'all_attempts_exhausted',
  'circuit_breaker_empty_tool_calls',
  'workspace_error',
  'sandbox_unavailable',
  'turn_interrupted',
  'turn_timeout',
  'storage_error',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** The JSON body of every HTTP error response. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.enum(errorCodes), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
