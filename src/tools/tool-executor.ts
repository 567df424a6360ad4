import { PathError } from '../sandbox/workspace-path.ts';
import { decideToolUse, type ToolPolicy } from './policy.ts';
import type { AnyToolDefinition, ToolContext } from './tool.ts';
import { ToolError } from './tool.ts';

export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

export interface ToolOutcome {
  /** What the stream and the stored message show. */
  output: unknown;
  isError: boolean;
  /** What the model reads. */
  modelText: string;
}

/**
 * Runs tool calls for one turn: policy first, then input validation, then the tool.
 * Never throws for a tool's own failure: the model receives the error as the tool's result.
 */
export class ToolExecutor {
  readonly #tools: Map<string, AnyToolDefinition>;
  readonly #policy: ToolPolicy;
  readonly #context: ToolContext;

  constructor(options: { tools: AnyToolDefinition[]; context: ToolContext }) {
    this.#tools = new Map(options.tools.map((tool) => [tool.name, tool]));
    this.#policy = { allowed: new Set(this.#tools.keys()), subagentTools: new Set(), maxSubagents: 0 };
    this.#context = options.context;
  }

  get tools(): AnyToolDefinition[] {
    return [...this.#tools.values()];
  }

  async execute(call: ToolCall): Promise<ToolOutcome> {
    const decision = decideToolUse({ toolName: call.toolName, policy: this.#policy });
    const tool = this.#tools.get(call.toolName);
    if (!decision.allow || !tool)
      return failure(decision.allow ? `Unknown tool "${call.toolName}".` : decision.reason);

    const parsed = tool.inputSchema.safeParse(call.input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
      );
      return failure(`Invalid input for ${call.toolName}: ${problems.join('; ')}`);
    }
    try {
      const result = await tool.execute(parsed.data, this.#context);
      const isError = result.isError === true;
      return { output: result.output, isError, modelText: toModelText(result.output) };
    } catch (error) {
      if (error instanceof ToolError || error instanceof PathError) return failure(error.message);
      this.#context.logger.error(
        { err: error, tool: call.toolName, toolCallId: call.toolCallId },
        'tool failed unexpectedly',
      );
      return failure(`${call.toolName} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function failure(message: string): ToolOutcome {
  return { output: message, isError: true, modelText: message };
}

function toModelText(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}
