import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { AppError } from '../util/app-error.ts';
import { logTurnFailure } from './log-turn-failure.ts';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, destination), lines };
}

test('an expected condition is a warning without a stack trace; a fault is an error with its cause', () => {
  const { logger, lines } = capturingLogger();
  const notConfigured = new AppError('model_not_configured', 'No model is configured.');
  logTurnFailure({ logger, error: notConfigured, cause: notConfigured });
  const fault = new Error('disk on fire');
  logTurnFailure({ logger, error: new AppError('internal_error', 'Oops', { cause: fault }), cause: fault });

  expect(lines[0]).toMatchObject({ level: 40, code: 'model_not_configured', msg: 'turn failed' });
  expect(JSON.stringify(lines[0])).not.toContain('stack');
  expect(lines[1]).toMatchObject({ level: 50, code: 'internal_error', err: { message: 'disk on fire' } });
  expect(JSON.stringify(lines[1])).toContain('stack');
});
