import type { SubagentConfig } from '../../config/config.ts';
import { decideToolUse } from '../../tools/policy.ts';
import type { ToolCall, ToolOutcome } from '../../tools/tool.ts';
import type { Logger } from '../../util/logger.ts';
import type { AgentEvent, AgentTools } from '../agent-runtime.ts';
import type { ModelCallOptions, StreamingModel } from '../language-model.ts';
import { priceUsage } from '../model-pricing.ts';
import { subagentCallSummary } from '../subagent-progress.ts';
import { systemPrompt } from '../system-prompt.ts';
import { toModelPrompt } from './model-prompt.ts';
import { runModelSteps } from './model-steps.ts';

/** What a sub-agent run needs from its parent turn. */
export interface SubagentParent {
  model: StreamingModel;
  modelName: string;
  maxOutputTokens: number;
  /** The parent's tools: every nested call runs through them (the turn's policy, breakers, caps). */
  tools: AgentTools;
  toolSpecs: (tools: AgentTools) => ModelCallOptions['tools'];
  signal: AbortSignal;
  workspaceRoots: () => Promise<string[]>;
  logger: Logger;
  /** What a model failure says to a reader, as the turn's own failures do (no raw provider text). */
  describeError: (error: unknown) => string;
  /** Where the sub-agent's progress and usage go, into the turn's events. */
  emit: (event: Extract<AgentEvent, { type: 'subagent-progress' | 'usage' }>) => void;
}

/**
 * Runs one sub-agent to its end: its own step loop over the parent's model, with the narrower
 * tool set its definition names (never a tool the parent lacks, never the sub-agent tool itself)
 * and its own step budget. Returns its final text. A model failure inside ends only the
 * sub-agent: the parent reads it as the tool's error.
 */
export async function runSubagent(options: {
  parent: SubagentParent;
  /** The sub-agent tool call it runs under; its progress is keyed by it. */
  toolCallId: string;
  definition: SubagentConfig;
  prompt: string;
  maxSteps: number;
}): Promise<{ text: string; isError: boolean }> {
  const { parent, definition } = options;
  const tools = narrowTools({ parent: parent.tools, names: definition.tools });
  const roots = await parent.workspaceRoots();
  const steps = runModelSteps({
    model: parent.model,
    prompt: toModelPrompt({
      system: `${systemPrompt()}\n\n${definition.prompt}`,
      history: [],
      prompt: options.prompt,
      images: [],
    }),
    tools,
    toolSpecs: parent.toolSpecs(tools),
    maxSteps: definition.maxTurns ?? options.maxSteps,
    maxOutputTokens: parent.maxOutputTokens,
    signal: parent.signal,
  });
  let stepText = '';
  try {
    for await (const event of steps) {
      if (event.type === 'step-start') stepText = '';
      else if (event.type === 'text-delta') stepText += event.delta;
      else if (event.type === 'tokens') {
        const usage = priceUsage({ model: parent.modelName, tokens: event.tokens });
        parent.emit({ type: 'usage', usage, model: parent.modelName });
      } else if (event.type === 'tool-call') {
        parent.emit({
          type: 'subagent-progress',
          toolCallId: options.toolCallId,
          toolName: event.toolName,
          summary: subagentCallSummary({ input: event.input, workspaceRoots: roots }),
        });
      }
    }
  } catch (error) {
    parent.logger.warn({ err: error, toolCallId: options.toolCallId }, 'sub-agent failed');
    return { text: `The sub-agent failed: ${parent.describeError(error)}`, isError: true };
  }
  if (parent.signal.aborted) return { text: 'The sub-agent was stopped.', isError: true };
  const text = stepText.trim();
  return text
    ? { text, isError: false }
    : { text: 'The sub-agent ended without a report (it may have run out of steps).', isError: true };
}

/**
 * The sub-agent's tools: the parent's, narrowed to `names`. Each call passes the one policy
 * function with the narrowed set first, then the parent's own executor (its policy again, the
 * turn's breakers, validation and output caps), so nothing outside the set runs.
 */
function narrowTools(options: { parent: AgentTools; names: string[] | undefined }): AgentTools {
  const { parent, names } = options;
  const tools = parent.tools.filter((tool) => !names || names.includes(tool.name));
  const policy = {
    allowed: new Set(tools.map((tool) => tool.name)),
    subagentTools: new Set<string>(),
    maxSubagents: 0,
  };
  return {
    tools,
    async execute(call: ToolCall): Promise<ToolOutcome> {
      const decision = decideToolUse({ toolName: call.toolName, policy });
      if (!decision.allow) return { output: decision.reason, isError: true, modelText: decision.reason };
      return parent.execute(call);
    },
  };
}
