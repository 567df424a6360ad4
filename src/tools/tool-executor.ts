import { z } from 'zod';
import { PathError } from '../sandbox/workspace-path.ts';
import type { AppError } from '../util/app-error.ts';
import { onAbort } from '../util/on-abort.ts';
import { decideToolUse, type ToolPolicy } from './policy.ts';
import { scrubPaths } from './scrub-paths.ts';
import type { AnyToolDefinition, ToolCall, ToolContext, ToolOutcome } from './tool.ts';
import { ToolError } from './tool.ts';
import { ToolCallBreakers } from './tool-call-breakers.ts';
import { limitToolOutputInWorkspace } from './tool-output-limits.ts';
import { withWorkspaceAccess } from './workspace-access.ts';

const readToolName = 'read_file';

/**
 * Runs tool calls for one turn: policy first, then the circuit breakers, then input validation,
 * then the tool, then the output caps. Both runtimes consume the same `ToolOutcome`.
 * Never throws for a tool's own failure: the model receives the error as the tool's result.
 * Create one per turn: the breakers count within it.
 */
export class ToolExecutor {
  readonly #tools: Map<string, AnyToolDefinition>;
  readonly #policy: ToolPolicy;
  readonly #context: ToolContext;
  readonly #breakers = new ToolCallBreakers();

  constructor(options: { tools: AnyToolDefinition[]; context: ToolContext }) {
    this.#tools = new Map(options.tools.map((tool) => [tool.name, tool]));
    this.#policy = { allowed: new Set(this.#tools.keys()), subagentTools: new Set(), maxSubagents: 0 };
    this.#context = options.context;
  }

  get minFreeDiskBytes(): number | undefined {
    return this.#context.minFreeDiskBytes;
  }

  get tools(): AnyToolDefinition[] {
    return [...this.#tools.values()];
  }

  /**
   * Set when the turn must end (too many empty tool calls in a row). The turn engine checks it
   * after each event; once set, every further call is refused without running.
   */
  get tripped(): AppError | null {
    return this.#breakers.tripped;
  }

  /** Clears the breakers' counts, for a new attempt of the same turn. */
  resetBreakers(): void {
    this.#breakers.reset();
  }

  async execute(call: ToolCall): Promise<ToolOutcome> {
    const outcome = await this.#run(call);
    const { workspaceDir, logger, signal, minFreeDiskBytes } = this.#context;
    const limited = await limitToolOutputInWorkspace({
      output: outcome.output,
      toolName: call.toolName,
      toolCallId: call.toolCallId,
      workspaceDir,
      minFreeDiskBytes,
      readToolName: this.#tools.has(readToolName) ? readToolName : null,
      logger,
      signal,
    });
    return { ...limited, isError: outcome.isError };
  }

  async #run(call: ToolCall): Promise<{ output: unknown; isError: boolean }> {
    const tripped = this.#breakers.tripped;
    if (tripped) return failure(`This turn is ending: ${tripped.message}`);
    const decision = decideToolUse({ toolName: call.toolName, policy: this.#policy });
    const tool = this.#tools.get(call.toolName);
    if (!decision.allow || !tool)
      return failure(decision.allow ? `Unknown tool "${call.toolName}".` : decision.reason);

    const required = requiredFields(tool);
    if (required.length > 0 && isEmptyInput({ input: call.input, required })) {
      return failure(
        this.#breakers.recordEmptyCall({
          toolName: call.toolName,
          required,
          canAppend: hasField({ tool, name: 'append' }),
        }),
      );
    }
    this.#breakers.recordNonEmptyCall();
    const parsed = tool.inputSchema.safeParse(call.input);
    // The breakers see the input the tool would run with: a key the schema drops cannot make a repeat new.
    const counted = { toolName: call.toolName, input: parsed.success ? parsed.data : call.input };
    const refusal = this.#breakers.refusal(counted);
    if (refusal) return failure(refusal);

    const result = parsed.success
      ? await this.#runValid({ tool, call, input: parsed.data })
      : failure(
          `Invalid input for ${call.toolName}: ${parsed.error.issues
            .map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`)
            .join('; ')}`,
        );
    this.#breakers.recordResult({ ...counted, isError: result.isError });
    return result;
  }

  async #runValid(options: {
    tool: AnyToolDefinition;
    call: ToolCall;
    input: unknown;
  }): Promise<{ output: unknown; isError: boolean }> {
    const { tool, call } = options;
    const { signal, workspaceDir } = this.#context;
    // A stopped turn runs no further tool, and does not wait for one that ignores the signal.
    if (signal.aborted) return failure(stoppedText);
    try {
      const work = withWorkspaceAccess({
        workspaceDir,
        mode: tool.holdsWorkspace ? 'exclusive' : 'shared',
        signal,
        work: () => tool.execute(options.input, this.#context),
      });
      const result = await abortable({ work, signal });
      return { output: result.output, isError: result.isError === true };
    } catch (error) {
      if (signal.aborted) return failure(stoppedText);
      if (error instanceof ToolError || error instanceof PathError) {
        return failure(await scrubPaths({ message: error.message, workspaceDir, hideOthers: false }));
      }
      this.#context.logger.error(
        { err: error, tool: call.toolName, toolCallId: call.toolCallId },
        'tool failed unexpectedly',
      );
      // A system error names absolute server paths: the model and the client see them relative or hidden.
      const message = error instanceof Error ? error.message : String(error);
      return failure(
        `${call.toolName} failed: ${await scrubPaths({ message, workspaceDir, hideOthers: true })}`,
      );
    }
  }
}

const stoppedText = 'The turn was stopped; the tool did not finish.';

/** `work`, or a rejection as soon as `signal` aborts. */
function abortable<T>(options: { work: Promise<T>; signal: AbortSignal }): Promise<T> {
  const { work, signal } = options;
  return new Promise<T>((resolve, reject) => {
    const stopListening = onAbort(signal, () => reject(signal.reason));
    work.then(resolve, reject).finally(stopListening);
  });
}

function failure(message: string): { output: string; isError: true } {
  return { output: message, isError: true };
}

/** The fields a tool cannot do without; empty for a tool that may be called with `{}`. */
function requiredFields(tool: AnyToolDefinition): string[] {
  const schema = tool.inputSchema;
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([name]) => name);
}

function hasField(options: { tool: AnyToolDefinition; name: string }): boolean {
  const schema = options.tool.inputSchema;
  return schema instanceof z.ZodObject && options.name in schema.shape;
}

/** No input at all, or an object holding none of the required fields (a call cut off in transit). */
function isEmptyInput(options: { input: unknown; required: string[] }): boolean {
  const { input } = options;
  if (input === undefined || input === null) return true;
  if (typeof input !== 'object' || Array.isArray(input)) return false;
  const record = input as Record<string, unknown>;
  return options.required.every((name) => record[name] === undefined);
}
