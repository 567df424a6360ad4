import { Writable } from 'node:stream';
import { APICallError } from 'ai';
import { expect, test } from 'vitest';
import { AppError } from './app-error.ts';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

test('a model error is logged without the conversation it was sent, at any depth of its cause', () => {
  const { logger, lines } = capture();
  const apiError = new APICallError({
    message: 'Overloaded',
    url: 'https://api.example.test/v1/messages',
    requestBodyValues: { messages: [{ role: 'user', content: 'my private diary entry' }] },
    statusCode: 529,
    responseBody: `{"error":"overloaded"}${'x'.repeat(10_000)}`,
  });
  logger.warn({ err: apiError }, 'transient model error; retrying');
  logger.error({ err: new AppError('transient_api_error', 'busy', { cause: apiError }) }, 'turn failed');

  expect(lines).toHaveLength(2);
  for (const line of lines) {
    expect(line).not.toContain('private diary');
    expect(line.length).toBeLessThan(5_000);
  }
  expect(lines[0]).toContain('Overloaded');
  expect(lines[1]).toContain('529');
});
