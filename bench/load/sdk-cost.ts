import { EventSourceParserStream } from '@ai-sdk/provider-utils';
import { streamText } from 'ai';
import { getGlobalDispatcher } from 'undici';
import type { AgentTools } from '../../src/agent/agent-runtime.ts';
import { AnthropicMessagesClient } from '../../src/agent/baseline/anthropic-messages.ts';
import { runModelSteps } from '../../src/agent/baseline/model-steps.ts';
import { OpenAIChatClient } from '../../src/agent/baseline/openai-chat.ts';
import { createLanguageModel, type StreamingModel } from '../../src/agent/language-model.ts';
import { startBareRelay } from './bare-relay.ts';
import { measureDirectTurn, postToFake } from './measure-load-turn.ts';
import { loadDeltaCount, loadPrompt, type PacedFake } from './paced-fake.ts';

/**
 * What the model client costs per delta, apart from our server: CPU in this process, in µs, for
 * the same K streams read through ever more of the AI SDK's layers.
 */
export interface SdkCost {
  /** A bare SSE reader: undici `request`, one `StringDecoder`, split on blank lines, `JSON.parse`. */
  rawUsPerDelta: number;
  /**
   * The same reader through a bare Node relay (`bare-relay.ts`): what relaying a delta costs any
   * Node server here, the floor under our server's CPU per delta.
   */
  relayUsPerDelta: number;
  /** `fetch` and the SDK's web-stream SSE parse: `TextDecoderStream` → `EventSourceParserStream` → `JSON.parse`. */
  webStreamUsPerDelta: number;
  /** The provider's own stream (`doStream`): the above plus zod validation and its part transform. */
  providerUsPerDelta: number;
  /** Our step loop over that provider (`runModelSteps`). */
  stepsUsPerDelta: number;
  /** Our step loop over our own Messages API client: the baseline runtime's Anthropic path. */
  ownClientUsPerDelta: number;
  /** `streamText` over that provider: the baseline runtime's model client until issue 13. */
  sdkUsPerDelta: number;
  /** Our step loop over the AI SDK's openai-compatible provider, on Chat Completions streams. */
  openAIProviderStepsUsPerDelta: number;
  /** Our step loop over our own Chat Completions client: the baseline runtime's OpenAI-compatible path. */
  openAIOwnClientUsPerDelta: number;
}

/**
 * K streams read nine times in this process, through ever more layers; the fake's own cost is in
 * every figure, so the differences are what each layer adds per delta.
 */
export async function measureSdkCost(options: { fake: PacedFake; turns: number }): Promise<SdkCost> {
  const deltas = options.turns * loadDeltaCount;
  const model = createLanguageModel({
    provider: 'anthropic',
    apiKey: 'load-key',
    baseUrl: options.fake.url,
    model: 'claude-load',
  });
  const each = (read: () => Promise<number>) =>
    cpuMicros(() =>
      Promise.all(
        Array.from({ length: options.turns }, async () => {
          const texts = await read();
          if (texts < loadDeltaCount) throw new Error(`read ${texts} deltas of ${loadDeltaCount}`);
        }),
      ),
    );
  const raw = await each(async () => {
    const sample = await measureDirectTurn({ modelUrl: options.fake.url, text: loadPrompt(loadDeltaCount) });
    return sample.deltaDelaysMs.length;
  });
  const relay = await startBareRelay({ modelUrl: options.fake.url });
  const relayed = await each(async () => {
    const sample = await measureDirectTurn({ modelUrl: relay.url, text: loadPrompt(loadDeltaCount) });
    return sample.deltaDelaysMs.length;
  }).finally(() => relay.close());
  const webStream = await each(() => readThroughWebStreams(options.fake.url));
  const provider = await each(async () => {
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: loadPrompt(loadDeltaCount) }] }],
      maxOutputTokens: 1024,
    });
    let texts = 0;
    for await (const part of stream) if (part.type === 'text-delta') texts += 1;
    return texts;
  });
  const viaSteps = (client: StreamingModel) =>
    each(async () => {
      let texts = 0;
      const events = runModelSteps({
        model: client,
        prompt: [{ role: 'user', content: [{ type: 'text', text: loadPrompt(loadDeltaCount) }] }],
        tools: noTools,
        toolSpecs: [],
        maxSteps: 1,
        maxOutputTokens: 1024,
        signal: new AbortController().signal,
      });
      for await (const event of events) if (event.type === 'text-delta') texts += 1;
      return texts;
    });
  const steps = await viaSteps(model);
  const ownClient = await viaSteps(
    new AnthropicMessagesClient({
      baseUrl: options.fake.url,
      apiKey: 'load-key',
      model: 'claude-load',
      dispatcher: getGlobalDispatcher(),
    }),
  );
  const openAIUrl = `${options.fake.url}/v1`;
  const openAIProviderSteps = await viaSteps(
    createLanguageModel({
      provider: 'openai-compatible',
      apiKey: 'load-key',
      baseUrl: openAIUrl,
      model: 'load',
    }),
  );
  const openAIOwnClient = await viaSteps(
    new OpenAIChatClient({
      baseUrl: openAIUrl,
      apiKey: 'load-key',
      model: 'load',
      dispatcher: getGlobalDispatcher(),
    }),
  );
  const sdk = await each(async () => {
    const result = streamText({
      model,
      prompt: loadPrompt(loadDeltaCount),
      maxRetries: 0,
      maxOutputTokens: 1024,
    });
    let texts = 0;
    for await (const part of result.stream) if (part.type === 'text-delta') texts += 1;
    return texts;
  });
  return {
    rawUsPerDelta: raw / deltas,
    relayUsPerDelta: relayed / deltas,
    webStreamUsPerDelta: webStream / deltas,
    providerUsPerDelta: provider / deltas,
    stepsUsPerDelta: steps / deltas,
    ownClientUsPerDelta: ownClient / deltas,
    sdkUsPerDelta: sdk / deltas,
    openAIProviderStepsUsPerDelta: openAIProviderSteps / deltas,
    openAIOwnClientUsPerDelta: openAIOwnClient / deltas,
  };
}

const noTools: AgentTools = {
  tools: [],
  execute: () => Promise.reject(new Error('no tools here')),
};

async function readThroughWebStreams(modelUrl: string): Promise<number> {
  const response = await postToFake({ modelUrl, text: loadPrompt(loadDeltaCount) });
  if (!response.body) throw new Error(`the fake answered ${response.status}`);
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  let texts = 0;
  for await (const event of events) {
    const parsed = JSON.parse(event.data) as { type: string; delta?: { type?: string } };
    if (parsed.type === 'content_block_delta' && parsed.delta?.type === 'text_delta') texts += 1;
  }
  return texts;
}

async function cpuMicros(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}
