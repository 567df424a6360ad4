import { describeAgentRuntimeConformance } from '../conformance/agent-runtime-conformance.ts';
import { ClaudeAgentRuntime } from './claude-runtime.ts';

describeAgentRuntimeConformance(
  'claude',
  ({ baseUrl, stateDir }) =>
    new ClaudeAgentRuntime({
      model: { provider: 'anthropic', apiKey: 'test-key', baseUrl, model: 'claude-test' },
      stateDir,
      maxSubagents: 0,
      maxTurns: 5,
      maxLiveProcesses: 0,
      processIdleMs: 60_000,
    }),
);
