import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Fields of a provider error that hold the conversation itself: never written to a log. */
const conversationFields = ['requestBodyValues', 'prompt', 'messages'];
/** A provider's error body can be huge (or echo the request): only its start is kept. */
const maxLoggedBodyChars = 2_000;

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: {
        paths: ['apiKey', '*.apiKey', 'token', '*.token', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
    },
    options.destination,
  );
}

/** pino's error serializer, without the conversation a model client's error carries, at any depth of `cause`. */
function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.errWithCause(error as Error);
  return scrub(serialized, 0);
}

function scrub(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  for (const field of conversationFields) if (field in record) record[field] = '[omitted]';
  if (typeof record.responseBody === 'string' && record.responseBody.length > maxLoggedBodyChars)
    record.responseBody = `${record.responseBody.slice(0, maxLoggedBodyChars)}…`;
  if (record.cause) record.cause = scrub(record.cause, depth + 1);
  return record;
}
