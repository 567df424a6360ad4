import { APICallError } from 'ai';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { ModelConfig, SubagentConfig } from '../../config/config.ts';
import { workspaceRoots } from '../../tools/scrub-paths.ts';
import { AppError } from '../../util/app-error.ts';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent-runtime.ts';
import { classifyModelError, hostOf } from '../classify-model-error.ts';
import type { ModelCallOptions, StreamingModel } from '../language-model.ts';
import { priceUsage } from '../model-pricing.ts';
import { systemPrompt } from '../system-prompt.ts';
import { type AgentToolSpec, agentToolSpec, SubagentTools } from './agent-tool.ts';
import { AnthropicMessagesClient } from './anthropic-messages.ts';
import { toModelPrompt } from './model-prompt.ts';
import { runModelSteps } from './model-steps.ts';
import { OpenAIChatClient } from './openai-chat.ts';
import { SideEvents } from './side-events.ts';
import { toModelMessages } from './to-model-messages.ts';

/** Within every current model's output limit; unknown models otherwise get a compatibility warning. */
const maxOutputTokens = 16_000;

/**
 * The baseline runtime on Anthropic or any OpenAI-compatible endpoint: our own step loop
 * (`model-steps.ts`) runs the tools between model calls, without `streamText`'s per-part stream
 * transforms. Model calls go through our own minimal streaming clients: the Messages API for
 * Anthropic, Chat Completions for OpenAI-compatible endpoints. Sub-agents are its `Agent` tool
 * (`agent-tool.ts`): a nested step loop whose progress and usage join the turn's events as they happen.
 */
export class BaselineRuntime implements AgentRuntime {
  readonly usesTranscript = false;
  readonly kind = 'baseline' as const;
  readonly #model: StreamingModel;
  readonly #modelName: string;
  readonly #maxSteps: number;
  readonly #providerHost: string | undefined;
  readonly #subagents: Record<string, SubagentConfig>;
  readonly #maxSubagents: number;
  /** Null when no sub-agent is configured or `maxSubagents` is 0: then `Agent` is not offered. */
  readonly #agentTool: AgentToolSpec | null;

  constructor(options: {
    model: ModelConfig;
    /** The connection pool model calls go through (`createModelDispatcher`). */
    dispatcher: Dispatcher;
    maxSteps: number;
    subagents?: Record<string, SubagentConfig>;
    maxSubagents?: number;
  }) {
    const { model, dispatcher } = options;
    this.#model =
      model.provider === 'anthropic'
        ? new AnthropicMessagesClient({
            baseUrl: model.baseUrl,
            apiKey: model.apiKey ?? '',
            model: model.model,
            dispatcher,
          })
        : new OpenAIChatClient({
            baseUrl: model.baseUrl,
            apiKey: model.apiKey,
            model: model.model,
            dispatcher,
          });
    this.#modelName = options.model.model;
    this.#providerHost = hostOf(options.model.baseUrl);
    this.#maxSteps = options.maxSteps;
    this.#subagents = options.subagents ?? {};
    this.#maxSubagents = options.maxSubagents ?? 0;
    this.#agentTool =
      this.#maxSubagents > 0 && Object.keys(this.#subagents).length > 0
        ? agentToolSpec(this.#subagents)
        : null;
  }

  async close(): Promise<void> {}

  async forget(_sessionId: string): Promise<void> {}

  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    const side = new SideEvents<AgentEvent>();
    // The session's permissions may take the sub-agent tool away, and a tool of the same name
    // already given (tests stand one in) keeps it: a model must never be offered two tools of one name.
    const taken = input.tools.tools.some((tool) => tool.name === this.#agentTool?.name);
    const agentTool = input.allowSubagents === false || taken ? null : this.#agentTool;
    const tools = agentTool ? this.#withSubagents({ input, emit: (event) => side.push(event) }) : input.tools;
    const steps = runModelSteps({
      model: this.#model,
      prompt: toModelPrompt({
        system: systemPrompt(),
        history: toModelMessages(input.history),
        prompt: input.prompt,
        images: input.images,
      }),
      tools,
      toolSpecs: toolSpecs([...input.tools.tools, ...(agentTool ? [agentTool] : [])]),
      maxSteps: this.#maxSteps,
      // The turn engine owns retries (and never retries after output was shown).
      maxOutputTokens,
      signal: input.signal,
    });
    try {
      for await (const event of side.mergeWith(steps)) {
        if (event.type === 'tokens') {
          yield {
            type: 'usage',
            usage: priceUsage({ model: this.#modelName, tokens: event.tokens }),
            model: this.#modelName,
          };
        } else {
          yield event;
        }
      }
    } catch (error) {
      throw toAppError({ error, providerHost: this.#providerHost });
    }
  }

  #withSubagents(options: { input: AgentRunInput; emit: (event: AgentEvent) => void }): SubagentTools {
    const { input } = options;
    let roots: Promise<string[]> | undefined;
    return new SubagentTools({
      parent: {
        model: this.#model,
        modelName: this.#modelName,
        maxOutputTokens,
        tools: input.tools,
        toolSpecs: (tools) => toolSpecs(tools.tools),
        signal: input.signal,
        workspaceRoots: () => {
          roots ??= workspaceRoots(input.workspaceDir);
          return roots;
        },
        logger: input.logger,
        describeError: (error) => toAppError({ error, providerHost: this.#providerHost }).message,
        emit: options.emit,
      },
      subagents: this.#subagents,
      maxSubagents: this.#maxSubagents,
      maxSteps: this.#maxSteps,
      context: { workspaceDir: input.workspaceDir, logger: input.logger },
    });
  }
}

/** The tools as the provider takes them: name, description, JSON schema. */
function toolSpecs(tools: AgentToolSpec[]): ModelCallOptions['tools'] {
  return tools.map((definition) => ({
    type: 'function' as const,
    name: definition.name,
    description: definition.description,
    // No validation here: the executor validates, so both runtimes answer bad input the same way.
    inputSchema: inputJsonSchema(definition) as never,
  }));
}

const jsonSchemas = new WeakMap<object, unknown>();

/**
 * A tool's JSON schema, made once: converting zod schemas on every turn is measurable. Never
 * changed once made: model requests keep each tool's serialized entry (`request-text.ts`).
 */
function inputJsonSchema(definition: AgentToolSpec): unknown {
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

/** An Error's message; a provider's mid-stream error event arrives as a plain object with one. */
function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
