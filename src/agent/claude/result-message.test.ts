import { describe, expect, test } from 'vitest';
import { resultFailure } from './result-message.ts';

describe('resultFailure', () => {
  test('a successful result is no failure', () => {
    expect(
      resultFailure({ isError: false, subtype: 'success', text: 'All good, the prompt is short.' }),
    ).toBeNull();
  });

  test.each([
    [
      'an API 400 error result',
      true,
      'success',
      'API Error: 400 {"type":"error","error":{"message":"prompt is too long: 210000 tokens > 200000 maximum"}}',
    ],
    ['result text with subtype success', false, 'success', 'Prompt is too long'],
    [
      'an execution error mentioning it',
      true,
      'error_during_execution',
      'Error: prompt is too long for this model',
    ],
  ])('prompt too long as %s', (_label, isError, subtype, text) => {
    expect(resultFailure({ isError, subtype, text })?.code).toBe('prompt_too_long');
  });

  test('overload is a retryable transient error with friendly text', () => {
    const failure = resultFailure({
      isError: true,
      subtype: 'success',
      text: 'API Error: 529 {"type":"overloaded_error"}',
    });
    expect(failure).toMatchObject({ code: 'transient_api_error', retryable: true });
    expect(failure?.message).not.toContain('overloaded_error');
  });

  test('a bad key is authentication_failed and not retryable', () => {
    expect(
      resultFailure({ isError: true, subtype: 'success', text: 'API Error: 401 invalid x-api-key' }),
    ).toMatchObject({
      code: 'authentication_failed',
      retryable: false,
    });
  });

  test('the step limit is reported as such', () => {
    expect(resultFailure({ isError: true, subtype: 'error_max_turns', text: '' })?.message).toContain(
      'step limit',
    );
  });
});
