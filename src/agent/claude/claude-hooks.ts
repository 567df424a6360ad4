import type {
  CanUseTool,
  HookCallback,
  HookCallbackMatcher,
  HookEvent,
} from '@anthropic-ai/claude-agent-sdk';
import { decideToolUse } from '../../tools/policy.ts';
import type { TurnBinding } from './turn-binding.ts';

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

const noTurnReason = 'No turn is running; the tool call was not made.';

/**
 * The PreToolUse gate and the permission callback both ask the one policy function, so a tool
 * call is denied unless explicitly allowed, in the main thread and inside sub-agents alike.
 */
export function createClaudeHooks(binding: TurnBinding): {
  hooks: Partial<Record<HookEvent, HookCallbackMatcher[]>>;
  canUseTool: CanUseTool;
} {
  const preToolUse: HookCallback = async (input, toolUseId) => {
    const record = input as HookInputRecord;
    const toolName = String(record.tool_name ?? '');
    const turn = binding.current;
    const decision = turn
      ? decideToolUse({ toolName, policy: turn.policy, activeSubagents: turn.subagents.active })
      : ({ allow: false, reason: noTurnReason } as const);
    if (!decision.allow) {
      turn?.logger.warn(
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
    if (turn?.policy.subagentTools.has(toolName) && toolUseId) turn.subagents.reserve(toolUseId);
    return {};
  };

  // Follow-ups ride along with a main-thread tool result, so the model reads them in this turn.
  const postToolUse: HookCallback = async (input) => {
    const turn = binding.current;
    if (!turn?.takeFollowUps || (input as HookInputRecord).agent_id) return {};
    const texts = await turn.takeFollowUps();
    if (texts.length === 0) return {};
    return {
      hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: formatFollowUps(texts) },
    };
  };

  const postToolUseFailure: HookCallback = async (input, toolUseId) => {
    const turn = binding.current;
    const toolName = String((input as HookInputRecord).tool_name ?? '');
    if (turn?.policy.subagentTools.has(toolName) && toolUseId) turn.subagents.unreserve(toolUseId);
    return {};
  };

  const subagentStart: HookCallback = async (input) => {
    binding.current?.subagents.started(String((input as HookInputRecord).agent_id ?? ''));
    return {};
  };

  const subagentStop: HookCallback = async (input) => {
    binding.current?.subagents.stopped(String((input as HookInputRecord).agent_id ?? ''));
    return {};
  };

  const canUseTool: CanUseTool = async (toolName, input) => {
    const turn = binding.current;
    const decision = turn
      ? decideToolUse({ toolName, policy: turn.policy, activeSubagents: 0 })
      : ({ allow: false, reason: noTurnReason } as const);
    return decision.allow
      ? { behavior: 'allow', updatedInput: input }
      : { behavior: 'deny', message: decision.reason };
  };

  return {
    hooks: {
      PreToolUse: [{ hooks: [preToolUse] }],
      PostToolUse: [{ hooks: [postToolUse] }],
      PostToolUseFailure: [{ hooks: [postToolUseFailure] }],
      SubagentStart: [{ hooks: [subagentStart] }],
      SubagentStop: [{ hooks: [subagentStop] }],
    },
    canUseTool,
  };
}

function formatFollowUps(texts: string[]): string {
  const messages = texts.map((text) => `<user_message>\n${text}\n</user_message>`).join('\n');
  return `While you were working, the user sent ${texts.length === 1 ? 'a new message' : 'new messages'}. Take ${texts.length === 1 ? 'it' : 'them'} into account:\n${messages}`;
}
