import { z } from 'zod';
import { defineTool } from '../src/tools/tool.ts';

/** Long enough for any stream measurement; the bench cancels the turn well before. */
const maxHoldMs = 5 * 60_000;

/**
 * A tool that keeps its turn running until the turn is stopped, so `GET /stream` still finds the
 * turn active while the bench replays it. `nextStart` resolves when the next call begins, by which
 * time every event before the tool call has been published.
 */
export function createHoldTool() {
  let notifyStart: (() => void) | undefined;
  const tool = defineTool({
    name: 'hold_turn',
    description: 'Keeps the turn open until it is stopped.',
    inputSchema: z.object({}),
    async execute(_input, context) {
      notifyStart?.();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxHoldMs);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return { output: 'released' };
    },
  });
  return {
    tool,
    nextStart(): Promise<void> {
      return new Promise((resolve) => {
        notifyStart = resolve;
      });
    },
  };
}
