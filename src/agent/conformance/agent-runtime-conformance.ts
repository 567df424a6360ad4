import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  type FakeBrain,
  type FakeModelServer,
  promptTooLong,
  startFakeAnthropicServer,
  textReply,
  toolReply,
} from '../../../test/support/fake-model/index.ts';
import { ToolExecutor } from '../../tools/tool-executor.ts';
import { isAppError } from '../../util/app-error.ts';
import { createLogger } from '../../util/logger.ts';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent-runtime.ts';

/** Builds the runtime under test against the fake Anthropic server at `baseUrl`. */
export type MakeAgentRuntime = (options: { baseUrl: string; stateDir: string }) => AgentRuntime;

/**
 * The event grammar every runtime keeps, whatever SDK it adapts: the turn engine relies on it to
 * build stream chunks and stored messages without knowing which runtime ran.
 */
export function describeAgentRuntimeConformance(name: string, makeRuntime: MakeAgentRuntime): void {
  describe(`AgentRuntime conformance: ${name}`, () => {
    let fake: FakeModelServer;
    let dir: string;
    let runtime: AgentRuntime;
    let sessionCount = 0;

    beforeAll(async () => {
      fake = await startFakeAnthropicServer({});
      dir = await mkdtemp(join(tmpdir(), 'runtime-conformance-'));
      runtime = makeRuntime({ baseUrl: fake.url, stateDir: join(dir, 'state') });
    });
    afterAll(async () => {
      await runtime?.close();
      await fake?.close();
      await rm(dir, { recursive: true, force: true });
    });

    /** Resolved when the `wait` tool starts; the tool then waits for the turn's signal. */
    let toolStarted: () => void = () => {};

    function inputFor(options: { prompt: string; signal?: AbortSignal }): AgentRunInput {
      const sessionId = `conformance-${++sessionCount}`;
      const signal = options.signal ?? new AbortController().signal;
      const logger = createLogger({ level: 'silent' });
      const context = { sessionId, turnId: `${sessionId}-turn`, workspaceDir: dir, signal, logger };
      const echo = {
        name: 'echo',
        description: 'Returns its text.',
        inputSchema: z.object({ text: z.string() }),
        execute: async (input: { text: string }) => ({ output: { echoed: input.text } }),
      };
      const wait = {
        name: 'wait',
        description: 'Waits until the turn is stopped.',
        inputSchema: z.object({}),
        execute: () =>
          new Promise<{ output: string }>((resolve) => {
            toolStarted();
            signal.addEventListener('abort', () => resolve({ output: 'stopped' }), { once: true });
          }),
      };
      return {
        ...context,
        prompt: options.prompt,
        images: [],
        history: [],
        transcript: null,
        tools: new ToolExecutor({ tools: [echo, wait], context }),
        allowSubagents: false,
      };
    }

    async function collect(input: AgentRunInput): Promise<{ events: AgentEvent[]; error: unknown }> {
      const events: AgentEvent[] = [];
      try {
        for await (const event of runtime.run(input)) events.push(event);
        return { events, error: null };
      } catch (error) {
        return { events, error };
      }
    }

    const toolThenText: FakeBrain = (request) =>
      request.toolResults.length > 0
        ? textReply('The tool said hello.')
        : toolReply({ name: 'echo', input: { text: 'hello' } });

    test('a step opens before any content, and text starts before its deltas and ends after them', async () => {
      fake.setBrain(toolThenText);
      const { events, error } = await collect(inputFor({ prompt: 'use the tool' }));
      expect(error).toBeNull();
      const firstStep = events.findIndex((event) => event.type === 'step-start');
      const firstContent = events.findIndex((event) => event.type !== 'step-start' && event.type !== 'usage');
      expect(firstStep).toBeGreaterThanOrEqual(0);
      expect(firstStep).toBeLessThan(firstContent);
      const open = new Set<string>();
      for (const event of events) {
        if (event.type === 'text-start') open.add(event.id);
        if (event.type === 'text-delta') expect(open.has(event.id)).toBe(true);
        if (event.type === 'text-end') {
          expect(open.has(event.id)).toBe(true);
          open.delete(event.id);
        }
      }
      expect(open.size).toBe(0);
      const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.delta] : [])).join('');
      expect(text).toContain('The tool said hello.');
    });

    test('every tool call gets exactly one end, after the call', async () => {
      fake.setBrain(toolThenText);
      const { events, error } = await collect(inputFor({ prompt: 'use the tool' }));
      expect(error).toBeNull();
      const calls = events.filter((event) => event.type === 'tool-call');
      expect(calls).toHaveLength(1);
      for (const call of calls) {
        const results = events.filter(
          (event) => event.type === 'tool-result' && event.toolCallId === call.toolCallId,
        );
        expect(results).toHaveLength(1);
        expect(events.indexOf(results[0] as AgentEvent)).toBeGreaterThan(events.indexOf(call));
        expect(results[0]).toMatchObject({ isError: false, output: { echoed: 'hello' } });
      }
    });

    test('usage is reported once per turn when it succeeds', async () => {
      fake.setBrain(() => textReply('Short answer.'));
      const { events, error } = await collect(inputFor({ prompt: 'hi' }));
      expect(error).toBeNull();
      expect(usageCount(events)).toBe(1);
    });

    test('a prompt-too-long error is classified as such', async () => {
      fake.setBrain(() => promptTooLong());
      const { events, error } = await collect(inputFor({ prompt: 'far too long' }));
      expect(isAppError(error) ? error.code : error).toBe('prompt_too_long');
      // A refused request uses nothing: a runtime may report zero usage or none.
      expect(usageCount(events)).toBeLessThanOrEqual(1);
    });

    test('a turn that fails after a model call reports that call’s usage exactly once', async () => {
      fake.setBrain((request) =>
        request.toolResults.length > 0
          ? promptTooLong()
          : toolReply({ name: 'echo', input: { text: 'hello' } }),
      );
      const { events, error } = await collect(inputFor({ prompt: 'use the tool' }));
      expect(error).not.toBeNull();
      expect(usageCount(events)).toBe(1);
      const usage = events.find((event) => event.type === 'usage');
      expect(usage?.type === 'usage' && usage.usage.inputTokens).toBeGreaterThan(0);
    });

    test('abort ends the run promptly, mid tool call', async () => {
      fake.setBrain((request) =>
        request.toolResults.length > 0 ? textReply('Done waiting.') : toolReply({ name: 'wait', input: {} }),
      );
      const controller = new AbortController();
      const started = new Promise<void>((resolve) => {
        toolStarted = resolve;
      });
      const run = collect(inputFor({ prompt: 'wait', signal: controller.signal }));
      await started;
      const abortedAt = Date.now();
      controller.abort();
      const { events } = await run;
      // Generous: only a run that ignores the signal (and asks the model again) comes near this.
      expect(Date.now() - abortedAt).toBeLessThan(10_000);
      const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.delta] : [])).join('');
      expect(text).not.toContain('Done waiting.');
      // A stopped turn is still charged for the model call it made.
      expect(usageCount(events)).toBe(1);
    });

    test('a stop that comes before the run starts ends it without a reply', async () => {
      fake.setBrain(() => textReply('A reply nobody asked for.'));
      const controller = new AbortController();
      controller.abort();
      const { events } = await collect(inputFor({ prompt: 'hello', signal: controller.signal }));
      const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.delta] : [])).join('');
      expect(text).not.toContain('nobody asked');
    });
  });
}

function usageCount(events: AgentEvent[]): number {
  return events.filter((event) => event.type === 'usage').length;
}
