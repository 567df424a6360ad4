import { z } from 'zod';
import type { SubagentConfig } from '../../config/config.ts';
import { decideToolUse, subagentToolNames, type ToolPolicy } from '../../tools/policy.ts';
import type { AnyToolDefinition, ToolCall, ToolOutcome } from '../../tools/tool.ts';
import { limitToolOutputInWorkspace } from '../../tools/tool-output-limits.ts';
import type { Logger } from '../../util/logger.ts';
import { type AgentTools, subagentToolName } from '../agent-runtime.ts';
import { runSubagent, type SubagentParent } from './run-subagent.ts';

/**
 * Shaped like Claude Code's `Agent` tool input, so the UI's agent rows read both runtimes alike. Not
 * strict: a model used to Claude Code may add its fields (`run_in_background`); they are dropped.
 */
const agentInputSchema = z.object({
  description: z.string().min(1).max(200).describe('A short (3-5 word) description of the task'),
  prompt: z.string().min(1).max(50_000).describe('The complete task for the sub-agent'),
  subagent_type: z.string().optional().describe('Which sub-agent to use'),
});

/** What the model is offered for the `Agent` tool: name, description and input schema. */
export type AgentToolSpec = Pick<AnyToolDefinition, 'name' | 'description' | 'inputSchema'>;

/** The `Agent` tool as offered, listing the configured sub-agents (the first is the default). */
export function agentToolSpec(subagents: Record<string, SubagentConfig>): AgentToolSpec {
  const types = Object.entries(subagents).map(([name, agent]) => `- ${name}: ${agent.description}`);
  return {
    name: subagentToolName,
    description: [
      'Starts a sub-agent on a self-contained task in the same workspace and returns its final report.',
      'The sub-agent sees nothing of this conversation: give it a complete brief.',
      `Sub-agent types (default ${Object.keys(subagents)[0]}):`,
      ...types,
    ].join('\n'),
    inputSchema: agentInputSchema,
  };
}

/**
 * The turn's tools with the `Agent` tool added. Every `Agent` call passes the one policy function
 * with the turn's count of running sub-agents (`maxSubagents` at once); every other call goes to
 * the parent's tools unchanged. One instance per turn: the count is the turn's.
 */
export class SubagentTools implements AgentTools {
  readonly #parent: SubagentParent;
  readonly #subagents: Record<string, SubagentConfig>;
  readonly #policy: ToolPolicy;
  readonly #maxSteps: number;
  readonly #context: { workspaceDir: string; logger: Logger };
  #active = 0;

  constructor(options: {
    parent: SubagentParent;
    subagents: Record<string, SubagentConfig>;
    maxSubagents: number;
    maxSteps: number;
    context: { workspaceDir: string; logger: Logger };
  }) {
    this.#parent = options.parent;
    this.#subagents = options.subagents;
    this.#maxSteps = options.maxSteps;
    this.#context = options.context;
    this.#policy = {
      allowed: new Set([subagentToolName]),
      subagentTools: new Set(subagentToolNames),
      maxSubagents: options.maxSubagents,
    };
  }

  get tools(): AnyToolDefinition[] {
    return this.#parent.tools.tools;
  }

  execute(call: ToolCall): Promise<ToolOutcome> {
    if (call.toolName !== subagentToolName) return this.#parent.tools.execute(call);
    // Decided and counted before any await: calls of one step arrive together.
    const decision = decideToolUse({
      toolName: call.toolName,
      policy: this.#policy,
      activeSubagents: this.#active,
    });
    if (!decision.allow) return Promise.resolve(refusal(decision.reason));
    this.#active += 1;
    return this.#run(call).finally(() => {
      this.#active -= 1;
    });
  }

  async #run(call: ToolCall): Promise<ToolOutcome> {
    const parsed = agentInputSchema.safeParse(call.input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
      );
      return refusal(`Invalid input for ${subagentToolName}: ${problems.join('; ')}`);
    }
    const names = Object.keys(this.#subagents);
    const type = parsed.data.subagent_type ?? names[0] ?? '';
    const definition = this.#subagents[type];
    if (!definition) {
      return refusal(`Unknown sub-agent type "${type}". Available: ${names.join(', ')}.`);
    }
    const result = await runSubagent({
      parent: this.#parent,
      toolCallId: call.toolCallId,
      definition,
      prompt: parsed.data.prompt,
      maxSteps: this.#maxSteps,
    });
    const limited = await limitToolOutputInWorkspace({
      output: result.text,
      toolName: call.toolName,
      toolCallId: call.toolCallId,
      workspaceDir: this.#context.workspaceDir,
      minFreeDiskBytes: this.#parent.tools.minFreeDiskBytes,
      signal: this.#parent.signal,
      readToolName: this.#parent.tools.tools.some((tool) => tool.name === 'read_file') ? 'read_file' : null,
      logger: this.#context.logger,
    });
    return { ...limited, isError: result.isError };
  }
}

function refusal(reason: string): ToolOutcome {
  return { output: reason, isError: true, modelText: reason };
}
