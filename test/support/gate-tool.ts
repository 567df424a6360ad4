import { z } from 'zod';
import { type AnyToolDefinition, defineTool } from '../../src/tools/tool.ts';

export interface Gate {
  /** The `gate` tool: it answers "gate opened" once the test opens the gate (or the turn stops). */
  readonly tool: AnyToolDefinition;
  /** Resolves when a call to the tool has started. */
  readonly reached: Promise<void>;
  open(): void;
  /** Closes the gate again, for the next call (the tool is registered once per server). */
  rearm(): void;
}

interface GateState {
  reached: Promise<void>;
  reach: () => void;
  opened: Promise<void>;
  open: () => void;
}

function closedGate(): GateState {
  const state = {} as GateState;
  state.reached = new Promise<void>((resolve) => (state.reach = resolve));
  state.opened = new Promise<void>((resolve) => (state.open = resolve));
  return state;
}

/** A tool that holds a turn mid-call until the test lets it go: no waiting on a clock. */
export function createGate(): Gate {
  let state = closedGate();
  const tool = defineTool({
    name: 'gate',
    description: 'Waits for a signal, then answers.',
    inputSchema: z.object({ description: z.string() }),
    async execute(_input, context) {
      const current = state;
      current.reach();
      await new Promise<void>((resolve) => {
        void current.opened.then(resolve);
        context.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return { output: context.signal.aborted ? 'stopped' : 'gate opened' };
    },
  });
  return {
    tool,
    get reached() {
      return state.reached;
    },
    open: () => state.open(),
    rearm: () => {
      state = closedGate();
    },
  };
}
