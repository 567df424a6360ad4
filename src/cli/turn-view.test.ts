import type { UIMessage } from 'ai';
import { afterEach, describe, expect, test } from 'vitest';
import { recordingTerminal } from '../../test/support/recording-terminal.ts';
import { TurnView } from './turn-view.ts';

describe('TurnView status line', () => {
  let view: TurnView | undefined;
  afterEach(() => view?.finish());

  test("a running agent's label carries its sub-agent's latest tool call", () => {
    const terminal = recordingTerminal({ isTTY: true });
    view = new TurnView(terminal);
    const message = {
      id: 'turn-1',
      role: 'assistant',
      parts: [
        {
          type: 'dynamic-tool',
          toolName: 'Agent',
          toolCallId: 'call-1',
          state: 'input-available',
          input: { description: 'Run the tests' },
        },
        { type: 'data-agent-progress', id: 'call-1', data: { toolName: 'bash_exec', summary: 'npm test' } },
      ],
    } as UIMessage;
    view.onMessage(message);
    expect(terminal.output).toContain('Running agent: Run the tests ↳ bash_exec: npm test');
  });
});
