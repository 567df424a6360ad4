import type { ToolPermissions } from '../protocol/index.ts';
import type { AnyToolDefinition } from './tool.ts';

export const everyTool: ToolPermissions = { allow: null, deny: [] };

/** Whether a session's permissions let its agent have the tool named `name`. */
export function isToolPermitted(options: { name: string; permissions: ToolPermissions }): boolean {
  const { name, permissions } = options;
  if (permissions.deny.includes(name)) return false;
  return permissions.allow === null || permissions.allow.includes(name);
}

/**
 * The tools a session's agent is given. Tools left out are not registered at all, so the model
 * is never offered them (offering and then refusing makes it narrate permission prompts that do
 * not exist), and the policy, which allows only registered tools, refuses them if called.
 */
export function permittedTools(options: {
  tools: AnyToolDefinition[];
  permissions: ToolPermissions;
}): AnyToolDefinition[] {
  return options.tools.filter((tool) =>
    isToolPermitted({ name: tool.name, permissions: options.permissions }),
  );
}
