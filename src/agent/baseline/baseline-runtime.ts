import {
  APICallError,
  isStepCount,
  jsonSchema,
  type LanguageModel,
  RetryError,
  streamText,
  type TextStreamPart,
  type ToolSet,
  tool,
} from 'ai';
import { z } from 'zod';
import type { ModelConfig } from '../../config/config.ts';
import type { AnyToolDefinition, ToolOutcome } from '../../tools/tool.ts';
import { AppError } from '../../util/app-error.ts';
import type { AgentEvent, AgentRunInput, AgentRuntime, AgentTools } from '../agent-runtime.ts';
import { classifyModelError, hostOf } from '../classify-model-error.ts';
import { createLanguageModel } from '../language-model.ts';
import { priceModelUsage, priceUsage, type TokenCounts } from '../model-pricing.ts';
import { systemPrompt } from '../system-prompt.ts';
import { RawStepUsage } from './raw-step-usage.ts';
import { toModelMessages } from './to-model-messages.ts';

/** Within every current model's output limit; unknown models otherwise get a compatibility warning. */
const maxOutputTokens = 16_000;

/** The AI SDK runtime: multi-step `streamText` with our tools, on Anthropic or any OpenAI-compatible endpoint. */
export class BaselineRuntime implements AgentRuntime {
  readonly usesTranscript = false;
  readonly kind = 'baseline' as const;
  readonly #model: LanguageModel;
  readonly #modelName: string;
  readonly #maxSteps: number;
  readonly #providerHost: string | undefined;

  constructor(options: { model: ModelConfig; maxSteps: number }) {
    this.#model = createLanguageModel(options.model);
    this.#modelName = options.model.model;
    this.#providerHost = hostOf(options.model.baseUrl);
    this.#maxSteps = options.maxSteps;
  }

  async close(): Promise<void> {}

  async forget(_sessionId: string): Promise<void> {}

  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    const result = streamText({
      model: this.#model,
      instructions: systemPrompt(),
      messages: [
        ...toModelMessages(input.history),
        {
          role: 'user',
          content: [
            { type: 'text', text: input.prompt },
            ...input.images.map((image) => ({
              type: 'image' as const,
              image: image.data,
              mediaType: image.mediaType,
            })),
          ],
        },
      ],
      tools: toAiTools(input.tools),
      stopWhen: isStepCount(this.#maxSteps),
      abortSignal: input.signal,
      // The turn engine owns retries (and never retries after output was shown).
      maxRetries: 0,
      maxOutputTokens: maxOutputTokens,
      // Usage of a step that never finishes (a stop, a cut connection) is only in the raw events.
      includeRawChunks: true,
      // Errors reach us through the stream and are logged, structured, by the turn engine; the
      // SDK's default would print raw provider text to the console.
      onError: () => {},
    });

    const inFlight = new RawStepUsage();
    try {
      yield* this.#events({ stream: result.stream, inFlight });
    } catch (error) {
      // A step cut short by an error still used what the provider reported for it.
      const unfinished = inFlight.take();
      if (unfinished) yield this.#usageEvent(unfinished);
      throw toAppError({ error, providerHost: this.#providerHost });
    }
  }

  #usageEvent(tokens: TokenCounts): AgentEvent {
    return { type: 'usage', usage: priceUsage({ model: this.#modelName, tokens }), model: this.#modelName };
  }

  async *#events(options: {
    stream: AsyncIterable<TextStreamPart<ToolSet>>;
    inFlight: RawStepUsage;
  }): AsyncIterable<AgentEvent> {
    const { inFlight } = options;
    for await (const part of options.stream) {
      switch (part.type) {
        case 'raw':
          inFlight.observe(part.rawValue);
          break;
        case 'start-step':
          yield { type: 'step-start' };
          break;
        case 'finish-step':
          inFlight.take();
          yield {
            type: 'usage',
            usage: priceModelUsage({ model: this.#modelName, usage: part.usage }),
            model: this.#modelName,
          };
          yield { type: 'step-finish' };
          break;
        case 'text-start':
        case 'reasoning-start':
        case 'text-end':
        case 'reasoning-end':
          yield { type: part.type, id: part.id };
          break;
        case 'text-delta':
        case 'reasoning-delta':
          if (part.text) yield { type: part.type, id: part.id, delta: part.text };
          break;
        case 'tool-input-start':
          yield { type: 'tool-input-start', toolCallId: part.id, toolName: part.toolName };
          break;
        case 'tool-call':
          yield {
            type: 'tool-call',
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
          };
          break;
        case 'tool-result': {
          const outcome = part.output as ToolOutcome;
          yield {
            type: 'tool-result',
            toolCallId: part.toolCallId,
            output: outcome.output,
            isError: outcome.isError,
          };
          break;
        }
        case 'tool-error':
          yield {
            type: 'tool-result',
            toolCallId: part.toolCallId,
            output: errorText(part.error),
            isError: true,
          };
          break;
        case 'error':
          throw toAppError({ error: part.error, providerHost: this.#providerHost });
        case 'abort': {
          const unfinished = inFlight.take();
          if (unfinished) yield this.#usageEvent(unfinished);
          return;
        }
        default:
          break;
      }
    }
  }
}

function toAiTools(executor: AgentTools) {
  return Object.fromEntries(
    executor.tools.map((definition) => [
      definition.name,
      tool({
        description: definition.description,
        // No validation here: the executor validates, so both runtimes answer bad input the same way.
        inputSchema: jsonSchema<unknown>(inputJsonSchema(definition) as never),
        execute: (toolInput, options) =>
          executor.execute({ toolCallId: options.toolCallId, toolName: definition.name, input: toolInput }),
        toModelOutput: ({ output }) => {
          const outcome = output as ToolOutcome;
          return outcome.isError
            ? { type: 'error-text', value: outcome.modelText }
            : { type: 'text', value: outcome.modelText };
        },
      }),
    ]),
  );
}

const jsonSchemas = new WeakMap<object, unknown>();

/** A tool's JSON schema, made once: converting zod schemas on every turn is measurable. */
function inputJsonSchema(definition: AnyToolDefinition): unknown {
  let schema = jsonSchemas.get(definition);
  if (!schema) {
    schema = z.toJSONSchema(definition.inputSchema, { io: 'input' });
    jsonSchemas.set(definition, schema);
  }
  return schema;
}

function toAppError(options: { error: unknown; providerHost: string | undefined }): AppError {
  const { error, providerHost } = options;
  if (error instanceof AppError) return error;
  if (RetryError.isInstance(error)) return toAppError({ error: error.lastError, providerHost });
  if (APICallError.isInstance(error)) {
    return classifyModelError({
      status: error.statusCode,
      message: `${causeChainText(error)} ${error.responseBody ?? ''}`,
      cause: error,
      providerHost,
    });
  }
  return classifyModelError({ message: causeChainText(error), cause: error, providerHost });
}

/** A stream cut mid-way says "terminated" only in its cause, so classify on the whole chain. */
function causeChainText(error: unknown): string {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    texts.push(errorText(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return texts.join(': ');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
