import { describeAgentRuntimeConformance } from '../conformance/agent-runtime-conformance.ts';
import { BaselineRuntime } from './baseline-runtime.ts';

describeAgentRuntimeConformance(
  'baseline',
  ({ baseUrl }) =>
    new BaselineRuntime({
      model: { provider: 'anthropic', apiKey: 'test-key', baseUrl, model: 'claude-test' },
      maxSteps: 5,
    }),
);
