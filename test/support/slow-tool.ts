import { z } from 'zod';
import { defineTool } from '../../src/tools/tool.ts';

/** A tool that takes `ms` milliseconds (or until the turn is stopped): for stopping a turn mid-tool. */
export const slowTool = defineTool({
  name: 'slow_tool',
  description: 'Waits, then answers.',
  inputSchema: z.object({ ms: z.number().int().min(0).max(60_000) }),
  async execute(input, context) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, input.ms);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { output: context.signal.aborted ? 'stopped' : `waited ${input.ms} ms` };
  },
});
