import { expect, test } from 'vitest';
import { priceUsage } from '../agent/model-pricing.ts';
import { emptyUsage, type Usage } from '../protocol/index.ts';
import { createLogger } from '../util/logger.ts';
import { TurnUsage } from './turn-usage.ts';

const call = (inputTokens: number) => ({
  usage: priceUsage({
    model: 'claude-sonnet-4-5',
    tokens: { inputTokens, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 },
  }),
  model: 'claude-sonnet-4-5',
});

/** A ledger that keeps what it is given, and refuses the calls `refuse` names by input tokens. */
function ledger(refuse: (usage: Usage) => boolean = () => false) {
  const rows: { turnId: string; model: string; usage: Usage }[] = [];
  const store = {
    async recordUsage(options: { turnId: string; model: string; usage: Usage }) {
      if (refuse(options.usage)) throw new Error('database is locked');
      rows.push({ turnId: options.turnId, model: options.model, usage: options.usage });
    },
  };
  const usage = new TurnUsage({
    store,
    scope: { ownerId: 'u', sessionId: 's' },
    turnId: 't',
    logger: createLogger({ level: 'silent' }),
  });
  return { rows, usage };
}

test('each model call is stored as it is reported; the end stores nothing more', async () => {
  const { rows, usage } = ledger();
  usage.recordCall(call(100));
  usage.recordCall(call(200));
  expect(await usage.unstored()).toBeNull();
  expect(rows.map((row) => row.usage.inputTokens)).toEqual([100, 200]);
  expect(usage.total.inputTokens).toBe(300);
});

test('the engine’s own usage and a call whose row failed are left for the turn’s end', async () => {
  const { rows, usage } = ledger((stored) => stored.inputTokens === 200);
  usage.recordCall(call(100));
  usage.recordCall(call(200));
  usage.add(call(50).usage);
  expect((await usage.unstored())?.inputTokens).toBe(250);
  expect(rows.map((row) => row.usage.inputTokens)).toEqual([100]);
  expect(usage.total.inputTokens).toBe(350);
});

test('a turn that made no call still ends with its row, of zeros', async () => {
  const { usage } = ledger();
  expect(await usage.unstored()).toEqual(emptyUsage);
});
