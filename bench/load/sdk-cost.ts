import { streamText } from 'ai';
import { createLanguageModel } from '../../src/agent/language-model.ts';
import { measureDirectTurn } from './measure-load-turn.ts';
import { loadDeltaCount, loadPrompt, type PacedFake } from './paced-fake.ts';

/** What the AI SDK itself costs per delta, apart from our server: CPU in this process, in µs. */
export interface SdkCost {
  /** Reading the fake's streams with a bare SSE reader. */
  rawUsPerDelta: number;
  /** Reading the same streams through `streamText` (the baseline runtime's model client). */
  sdkUsPerDelta: number;
}

/**
 * K streams read twice in this process, once bare and once through `streamText`; the fake's own
 * cost is in both, so the difference is the AI SDK's (and its Anthropic provider's) per delta.
 */
export async function measureSdkCost(options: { fake: PacedFake; turns: number }): Promise<SdkCost> {
  const deltas = options.turns * loadDeltaCount;
  const raw = await cpuMicros(() =>
    Promise.all(
      Array.from({ length: options.turns }, () =>
        measureDirectTurn({ modelUrl: options.fake.url, text: loadPrompt(loadDeltaCount) }),
      ),
    ),
  );
  const model = createLanguageModel({
    provider: 'anthropic',
    apiKey: 'load-key',
    baseUrl: options.fake.url,
    model: 'claude-load',
  });
  const sdk = await cpuMicros(() =>
    Promise.all(
      Array.from({ length: options.turns }, async () => {
        const result = streamText({
          model,
          prompt: loadPrompt(loadDeltaCount),
          maxRetries: 0,
          maxOutputTokens: 1024,
        });
        let texts = 0;
        for await (const part of result.stream) if (part.type === 'text-delta') texts += 1;
        if (texts < loadDeltaCount) throw new Error(`streamText read ${texts} deltas of ${loadDeltaCount}`);
      }),
    ),
  );
  return { rawUsPerDelta: raw / deltas, sdkUsPerDelta: sdk / deltas };
}

async function cpuMicros(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}
