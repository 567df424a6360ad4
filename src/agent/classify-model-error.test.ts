import { describe, expect, test } from 'vitest';
import { classifyModelError, hostOf, PromptTooLongError } from './classify-model-error.ts';
import { resultFailure } from './claude/result-message.ts';

describe('classifyModelError says what happened', () => {
  test.each([
    ['fetch failed: connect ECONNREFUSED 127.0.0.1:9', undefined],
    ['getaddrinfo ENOTFOUND models.internal', undefined],
    ['Cannot connect to API: getaddrinfo EAI_AGAIN models.internal', undefined],
  ])('%s: cannot reach the provider, named by the configured host', (message, status) => {
    const error = classifyModelError({ message, status, providerHost: 'models.internal:8443' });
    expect(error).toMatchObject({ code: 'transient_api_error', retryable: true });
    expect(error.message).toMatch(/^Autopilot cannot reach the model provider at models\.internal:8443\./);
  });

  test('the claude CLI’s connection error names the host too', () => {
    const error = resultFailure({
      isError: true,
      subtype: 'success',
      text: 'API Error: Connection error.',
      providerHost: 'models.internal',
    });
    expect(error?.message).toMatch(/cannot reach the model provider at models\.internal/);
  });

  test('529 and "overloaded" say the provider is busy', () => {
    expect(classifyModelError({ status: 529, message: 'Overloaded' }).message).toMatch(/busy/);
    expect(
      resultFailure({ isError: true, subtype: 'success', text: 'API Error: 529 {"type":"overloaded_error"}' })
        ?.message,
    ).toMatch(/busy/);
  });

  test('a connection cut mid-way says it was interrupted; a 5xx is a temporary problem', () => {
    expect(classifyModelError({ message: 'terminated: other side closed' }).message).toMatch(/interrupted/);
    expect(classifyModelError({ status: 200, message: 'read ECONNRESET' }).message).toMatch(/interrupted/);
    expect(classifyModelError({ status: 502, message: 'Bad gateway' }).message).toMatch(/temporary problem/);
  });

  test('a request the provider refuses is not offered again; an unknown failure is', () => {
    for (const status of [400, 413, 422]) {
      const error = classifyModelError({ status, message: 'invalid_request_error: messages.1: bad' });
      expect(error).toMatchObject({ code: 'model_request_rejected', retryable: false });
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.message).not.toContain('messages.1');
    }
    expect(classifyModelError({ status: 404, message: 'model not found' }).message).toMatch(/model name/);
    expect(
      resultFailure({
        isError: true,
        subtype: 'success',
        text: 'API Error: 400 {"type":"invalid_request_error"}',
      }),
    ).toMatchObject({ code: 'model_request_rejected', retryable: false });
    expect(classifyModelError({ message: 'something odd' })).toMatchObject({
      code: 'model_error',
      retryable: true,
    });
  });

  test.each([
    'prompt is too long: 212000 tokens > 200000 maximum',
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
    '{"error":{"message":"Your input exceeds the context window of this model. Please adjust your input and try again.","type":"invalid_request_error","param":"input","code":"context_length_exceeded"}}',
    'Your input exceeds the context window of this model.',
    '{"error":{"code":400,"message":"request (13392 tokens) exceeds the available context size (8192 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":13392,"n_ctx":8192}}',
    'Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length',
    'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
    'input length exceeds the context length',
  ])('"%s" is a conversation too long for the model, which compaction can answer', (message) => {
    expect(classifyModelError({ status: 400, message }).code).toBe('prompt_too_long');
  });

  test('the context size the provider states travels with the error, for the ladder to aim below', () => {
    const stated = (message: string) => {
      const error = classifyModelError({ status: 400, message });
      return error instanceof PromptTooLongError ? error.contextTokens : undefined;
    };
    expect(stated('prompt is too long: 212000 tokens > 200000 maximum')).toBe(200_000);
    expect(
      stated("This model's maximum context length is 128000 tokens. However, you requested 130000"),
    ).toBe(128_000);
    expect(stated('request (13392 tokens) exceeds the available context size (8192 tokens)')).toBe(8192);
    expect(stated('{"type":"exceed_context_size_error","n_prompt_tokens":13392,"n_ctx":8192}')).toBe(8192);
    expect(
      stated('Prompt contains 40000 tokens, too large for model with 32768 maximum context length'),
    ).toBe(32_768);
    expect(stated('Your input exceeds the context window of this model.')).toBeNull();
  });

  test('hostOf gives the host with its port, and nothing for a broken URL', () => {
    expect(hostOf('http://127.0.0.1:4000/v1')).toBe('127.0.0.1:4000');
    expect(hostOf('not a url')).toBeUndefined();
  });
});
