/**
 * Maps a brain's tool name onto the offered tool it means, so one script serves
 * both the baseline runtime (`write_file`) and Claude Code with an MCP server
 * (`mcp__autopilot__write_file`). An exact match wins; unknown names pass through
 * unchanged so a test can still script a call to a tool that was not offered.
 */
export function resolveToolName(options: { name: string; offered: string[] }): string {
  const { name, offered } = options;
  if (offered.includes(name)) return name;
  return offered.find((candidate) => candidate.endsWith(`__${name}`)) ?? name;
}
