import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(options: { level: string }): Logger {
  return pino({
    level: options.level,
    base: undefined,
    redact: {
      paths: ['apiKey', '*.apiKey', 'token', '*.token', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}
