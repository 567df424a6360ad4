import type { Config } from '../config/config.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import { BaselineRuntime } from './baseline/baseline-runtime.ts';

/** The configured runtime, or null when no model is configured. */
export function createRuntime(config: Config): AgentRuntime | null {
  if (!config.model) return null;
  switch (config.runtime) {
    case 'baseline':
      return new BaselineRuntime({ model: config.model, maxSteps: config.limits.maxSteps });
    case 'claude':
      // Until the Claude Agent SDK runtime lands, Anthropic models run on the baseline runtime.
      return new BaselineRuntime({ model: config.model, maxSteps: config.limits.maxSteps });
  }
}
