/** The built-in tools that start a sub-agent, whatever the runtime calls them. */
export const subagentToolNames: readonly string[] = ['Agent', 'Task'];

export type ToolDecision = { allow: true } | { allow: false; reason: string };

export interface ToolPolicy {
  /** Every tool name that may run, sub-agent tools included. Anything else is denied. */
  allowed: ReadonlySet<string>;
  /** Names that start a sub-agent (`Task`, `Agent`, configured ones); capped by `maxSubagents`. */
  subagentTools: ReadonlySet<string>;
  maxSubagents: number;
}

/**
 * The one allow/deny decision for every tool call, in every runtime and inside sub-agents.
 * It fails closed: a name not explicitly allowed is denied, whatever it is, including
 * built-ins that a future CLI adds or renames.
 */
export function decideToolUse(options: {
  toolName: string;
  policy: ToolPolicy;
  /** Sub-agents of this turn that are running or about to start, background ones included. */
  activeSubagents?: number;
}): ToolDecision {
  const { toolName, policy } = options;
  if (!policy.allowed.has(toolName)) {
    return {
      allow: false,
      reason: `Tool "${toolName}" is not available here. Use only the tools you were given.`,
    };
  }
  if (policy.subagentTools.has(toolName) && (options.activeSubagents ?? 0) >= policy.maxSubagents) {
    return {
      allow: false,
      reason:
        `At most ${policy.maxSubagents} sub-agent${policy.maxSubagents === 1 ? '' : 's'} may run at once. ` +
        'Wait for a running sub-agent to finish, or continue in the main conversation.',
    };
  }
  return { allow: true };
}
