import type { ToolPolicy } from '../../tools/policy.ts';
import type { Logger } from '../../util/logger.ts';
import type { AgentTools } from '../agent-runtime.ts';
import type { SubagentTracker } from './claude-hooks.ts';
import type { ToolOutputStash } from './tool-output-stash.ts';

/** What one turn lends to a long-lived CLI process: its tools, policy state and logger. */
export interface TurnContext {
  tools: AgentTools;
  policy: ToolPolicy;
  subagents: SubagentTracker;
  stash: ToolOutputStash;
  logger: Logger;
  /** Messages the user sent while the turn runs, delivered at the next tool boundary. */
  takeFollowUps?: () => Promise<string[]>;
}

/**
 * The hooks and the MCP server of a CLI process outlive any one turn, so they reach the turn's
 * state through this binding. Between turns nothing is bound, and every tool call is denied.
 */
export class TurnBinding {
  #current: TurnContext | null = null;

  get current(): TurnContext | null {
    return this.#current;
  }

  bind(context: TurnContext): void {
    this.#current = context;
  }

  unbind(): void {
    this.#current = null;
  }
}
