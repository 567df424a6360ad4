import { expect, test } from 'vitest';
import { priceUsage } from './model-pricing.ts';

const tokens = {
  inputTokens: 1_000_000,
  outputTokens: 100_000,
  cacheReadTokens: 2_000_000,
  cacheWriteTokens: 0,
};

test('known Anthropic models are priced from the one table, however the provider spells them', () => {
  for (const model of ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4.5']) {
    const usage = priceUsage({ model, tokens });
    expect(usage.costKnown).toBe(true);
    expect(usage.costUsd).toBeCloseTo(3 + 1.5 + 0.6, 10);
  }
  expect(priceUsage({ model: 'claude-opus-4-1', tokens }).costUsd).toBeCloseTo(15 + 7.5 + 3, 10);
  expect(priceUsage({ model: 'claude-opus-4-5', tokens }).costUsd).toBeCloseTo(5 + 2.5 + 1, 10);
  expect(priceUsage({ model: 'claude-haiku-4-5', tokens }).costUsd).toBeCloseTo(1 + 0.5 + 0.2, 10);
});

test('an unknown model costs 0 and says its cost is not known', () => {
  expect(priceUsage({ model: 'qwen3:8b', tokens })).toEqual({ ...tokens, costUsd: 0, costKnown: false });
});
