export type ToolDecision = { allow: true } | { allow: false; reason: string };

/**
 * The one allow/deny decision for every tool call, in every runtime and inside sub-agents.
 * It fails closed: a name not in `allowed` is denied, whatever it is.
 */
export function decideToolUse(options: { toolName: string; allowed: ReadonlySet<string> }): ToolDecision {
  if (options.allowed.has(options.toolName)) return { allow: true };
  return {
    allow: false,
    reason: `Tool "${options.toolName}" is not available in this workspace. Use only the tools you were given.`,
  };
}
