import { z } from 'zod';
import { ToolExecutor } from '../../src/tools/tool-executor.ts';
import { createLogger } from '../../src/util/logger.ts';

/** An executor with one tool, `echo` (`{text}`), that runs `execute`: the step loop's tests' tool. */
export function echoExecutor(
  execute: (input: { text: string }) => Promise<{ output: unknown }>,
): ToolExecutor {
  const signal = new AbortController().signal;
  const logger = createLogger({ level: 'silent' });
  const echo = {
    name: 'echo',
    description: 'Returns its text.',
    inputSchema: z.object({ text: z.string() }),
    execute,
  };
  const context = { sessionId: 's', turnId: 't', workspaceDir: '/nonexistent', signal, logger };
  return new ToolExecutor({ tools: [echo], context });
}
