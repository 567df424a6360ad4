import { join } from 'node:path';
import type { AgentDefinition } from '@anthropic-ai/claude-agent-sdk';
import type { Dispatcher } from 'undici';
import type { Config, SubagentConfig } from '../config/config.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import { BaselineRuntime } from './baseline/baseline-runtime.ts';
import { ClaudeAgentRuntime } from './claude/claude-runtime.ts';
import type { ClaudeTestOptions } from './claude/claude-test-options.ts';
import { mcpServerName } from './claude/sdk-message-adapter.ts';

/** The configured runtime, or null when no model is configured. */
export function createRuntime(options: {
  config: Config;
  toolNames: string[];
  /** The connection pool of the baseline runtime's model calls (`createModelDispatcher`). */
  dispatcher: Dispatcher;
  /** Set when the Claude Code process is to run under bubblewrap. */
  agentConfinement?: { bwrapPath: string } | null;
  /** Tests only: protections of the Claude Code process taken away (see `ClaudeTestOptions`). */
  claudeTestOptions?: ClaudeTestOptions;
}): AgentRuntime | null {
  const unguarded = options.claudeTestOptions?.unguardedCliTools ?? [];
  const { config } = options;
  const model = config.model;
  if (!model) return null;
  if (config.runtime === 'claude' && model.provider === 'anthropic') {
    return new ClaudeAgentRuntime({
      model,
      stateDir: join(config.dataDir, 'claude'),
      maxSubagents: config.limits.maxSubagents,
      maxTurns: config.limits.maxTurns,
      agents: toAgentDefinitions({ subagents: config.subagents, toolNames: options.toolNames, unguarded }),
      maxLiveProcesses: config.limits.maxLiveProcesses,
      processIdleMs: config.limits.processIdleMs,
      confinement: options.agentConfinement ?? null,
      testOptions: options.claudeTestOptions,
    });
  }
  return new BaselineRuntime({
    model,
    dispatcher: options.dispatcher,
    maxSteps: config.limits.maxSteps,
    subagents: config.subagents,
    maxSubagents: config.limits.maxSubagents,
  });
}

function toAgentDefinitions(options: {
  subagents: Record<string, SubagentConfig>;
  toolNames: string[];
  unguarded: string[];
}): Record<string, AgentDefinition> {
  return Object.fromEntries(
    Object.entries(options.subagents).map(([name, subagent]) => [
      name,
      {
        description: subagent.description,
        prompt: subagent.prompt,
        tools: [
          ...(subagent.tools ?? options.toolNames).map((tool) => `mcp__${mcpServerName}__${tool}`),
          ...options.unguarded,
        ],
        model: 'inherit',
        ...(subagent.maxTurns ? { maxTurns: subagent.maxTurns } : {}),
      },
    ]),
  );
}
