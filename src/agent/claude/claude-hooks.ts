import type {
  CanUseTool,
  HookCallback,
  HookCallbackMatcher,
  HookEvent,
} from '@anthropic-ai/claude-agent-sdk';
import { decideToolUse, type ToolPolicy } from '../../tools/policy.ts';
import type { Logger } from '../../util/logger.ts';

/**
 * Counts the turn's sub-agents from the moment a launch is allowed until the sub-agent stops,
 * so parallel launches and background runs all count against the cap.
 */
export class SubagentTracker {
  readonly #reserved = new Set<string>();
  readonly #running = new Set<string>();
  readonly #backgroundTasks = new Set<string>();

  get active(): number {
    return this.#reserved.size + this.#running.size;
  }

  /** Background sub-agents whose result has not come back yet. */
  get pendingBackground(): number {
    return this.#backgroundTasks.size;
  }

  reserve(toolUseId: string): void {
    this.#reserved.add(toolUseId);
  }

  /** The launch failed before the sub-agent started. */
  unreserve(toolUseId: string): void {
    this.#reserved.delete(toolUseId);
  }

  started(agentId: string): void {
    const first = this.#reserved.values().next();
    if (!first.done) this.#reserved.delete(first.value);
    this.#running.add(agentId);
  }

  stopped(agentId: string): void {
    this.#running.delete(agentId);
  }

  backgroundStarted(taskId: string): void {
    this.#backgroundTasks.add(taskId);
  }

  backgroundEnded(taskId: string): void {
    this.#backgroundTasks.delete(taskId);
  }
}

type HookInputRecord = Record<string, unknown>;

/**
 * The PreToolUse gate and the permission callback both ask the one policy function, so a tool
 * call is denied unless explicitly allowed, in the main thread and inside sub-agents alike.
 */
export function createClaudeHooks(options: {
  policy: ToolPolicy;
  subagents: SubagentTracker;
  logger: Logger;
}): { hooks: Partial<Record<HookEvent, HookCallbackMatcher[]>>; canUseTool: CanUseTool } {
  const { policy, subagents, logger } = options;

  const preToolUse: HookCallback = async (input, toolUseId) => {
    const record = input as HookInputRecord;
    const toolName = String(record.tool_name ?? '');
    const decision = decideToolUse({ toolName, policy, activeSubagents: subagents.active });
    if (!decision.allow) {
      logger.warn(
        { tool: toolName, toolUseId, agent: record.agent_id ?? null },
        'tool call denied by policy',
      );
      return {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'deny',
          permissionDecisionReason: decision.reason,
        },
      };
    }
    if (policy.subagentTools.has(toolName) && toolUseId) subagents.reserve(toolUseId);
    return {};
  };

  const postToolUseFailure: HookCallback = async (input, toolUseId) => {
    const toolName = String((input as HookInputRecord).tool_name ?? '');
    if (policy.subagentTools.has(toolName) && toolUseId) subagents.unreserve(toolUseId);
    return {};
  };

  const subagentStart: HookCallback = async (input) => {
    subagents.started(String((input as HookInputRecord).agent_id ?? ''));
    return {};
  };

  const subagentStop: HookCallback = async (input) => {
    subagents.stopped(String((input as HookInputRecord).agent_id ?? ''));
    return {};
  };

  const canUseTool: CanUseTool = async (toolName, input) => {
    const decision = decideToolUse({ toolName, policy, activeSubagents: 0 });
    return decision.allow
      ? { behavior: 'allow', updatedInput: input }
      : { behavior: 'deny', message: decision.reason };
  };

  return {
    hooks: {
      PreToolUse: [{ hooks: [preToolUse] }],
      PostToolUseFailure: [{ hooks: [postToolUseFailure] }],
      SubagentStart: [{ hooks: [subagentStart] }],
      SubagentStop: [{ hooks: [subagentStop] }],
    },
    canUseTool,
  };
}
