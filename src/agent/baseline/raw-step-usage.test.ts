import { describe, expect, test } from 'vitest';
import { RawStepUsage } from './raw-step-usage.ts';

describe('RawStepUsage', () => {
  test('keeps Anthropic running totals: the input from message_start, the output from each message_delta', () => {
    const usage = new RawStepUsage();
    usage.observe({
      type: 'message_start',
      message: { usage: { input_tokens: 120, output_tokens: 1, cache_read_input_tokens: 30 } },
    });
    usage.observe({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'hi' } });
    usage.observe({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 40 },
    });
    expect(usage.take()).toEqual({
      inputTokens: 120,
      outputTokens: 40,
      cacheReadTokens: 30,
      cacheWriteTokens: 0,
    });
    expect(usage.take()).toBeNull();
  });

  test('takes an OpenAI-compatible chunk’s usage', () => {
    const usage = new RawStepUsage();
    usage.observe({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
    expect(usage.take()).toEqual({
      inputTokens: 9,
      outputTokens: 3,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  test.each([
    ['a negative count', { type: 'message_delta', usage: { output_tokens: -1 } }],
    ['a fractional count', { type: 'message_delta', usage: { output_tokens: 1.5 } }],
    ['a count as text', { type: 'message_start', message: { usage: { input_tokens: '7' } } }],
    ['usage that is not an object', { type: 'message_delta', usage: 'lots' }],
    ['a message_start without a message', { type: 'message_start' }],
    ['an OpenAI usage with a text count', { usage: { prompt_tokens: 'x' } }],
    ['no event', null],
    ['a delta without usage', { choices: [{ delta: { content: 'x' } }], usage: null }],
  ])('ignores %s, keeping the last figures', (_name, event) => {
    const usage = new RawStepUsage();
    usage.observe({ type: 'message_delta', usage: { output_tokens: 5 } });
    usage.observe(event);
    expect(usage.take()).toEqual({
      inputTokens: 0,
      outputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  test('a step stopped mid-stream is charged at least the output it streamed, not message_start’s 1', () => {
    const usage = new RawStepUsage();
    usage.observe({ type: 'message_start', message: { usage: { input_tokens: 120, output_tokens: 1 } } });
    usage.streamed(400);
    usage.streamed(3);
    expect(usage.take()).toEqual({
      inputTokens: 120,
      outputTokens: 101,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    // A reported count above the estimate stands; what was streamed is forgotten with the step.
    usage.observe({ type: 'message_delta', usage: { output_tokens: 500 } });
    usage.streamed(40);
    expect(usage.take()?.outputTokens).toBe(500);
    usage.streamed(8);
    expect(usage.take()).toEqual({
      inputTokens: 0,
      outputTokens: 2,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    expect(usage.take()).toBeNull();
  });
});
