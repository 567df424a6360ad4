import { z } from 'zod';
import { defineTool } from '../../src/tools/tool.ts';

/**
 * Stand-ins for the Claude Code CLI's sub-agent tools, answering the way the CLI does, so that the
 * web UI's agent rows can be shown on the baseline runtime: a foreground run returns its result, a
 * background run returns `isAsync` with `status: "async_launched"`, and TaskOutput may time out.
 */
export const agentTools = () => [
  defineTool({
    name: 'Agent',
    description: 'Runs a sub-agent.',
    inputSchema: z.object({
      description: z.string(),
      prompt: z.string(),
      run_in_background: z.boolean().optional(),
    }),
    async execute(input) {
      if (input.run_in_background) {
        return {
          output: {
            isAsync: true,
            status: 'async_launched',
            agentId: 'agent-7',
            description: input.description,
          },
        };
      }
      return { output: { status: 'completed', content: [{ type: 'text', text: 'Found 3 modules.' }] } };
    },
  }),
  defineTool({
    name: 'TaskOutput',
    description: 'Reads a background sub-agent.',
    inputSchema: z.object({ task_id: z.string() }),
    async execute() {
      return { output: { retrieval_status: 'timeout', task: { status: 'running' } } };
    },
  }),
];
