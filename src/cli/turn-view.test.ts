import type { UIMessage } from 'ai';
import { afterEach, describe, expect, test } from 'vitest';
import { recordingTerminal } from '../../test/support/recording-terminal.ts';
import { displayWidth } from './terminal-text.ts';
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

describe('TurnView rows', () => {
  test('a sub-agent id from the model reaches the terminal as text, never as control sequences', () => {
    const terminal = recordingTerminal({ isTTY: true });
    const view = new TurnView(terminal);
    view.onMessage({
      id: 'turn-1',
      role: 'assistant',
      parts: [
        {
          type: 'dynamic-tool',
          toolName: 'TaskOutput',
          toolCallId: 'call-1',
          state: 'output-available',
          input: { task_id: 'T\x1b]0;TITLE\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07X' },
          output: 'done',
        },
      ],
    } as UIMessage);
    view.finish();
    expect(terminal.output).toContain('Agent completed: TX');
    for (const leaked of [']0;', ']52;', '[2J', '\x07']) expect(terminal.output).not.toContain(leaked);
  });

  test('a failure is told after the text that came before it', () => {
    const terminal = recordingTerminal();
    const view = new TurnView(terminal);
    view.onMessage({
      id: 'turn-1',
      role: 'assistant',
      parts: [{ type: 'text', text: 'The partial answer', state: 'streaming' }],
    } as UIMessage);
    view.failed({ message: 'The connection to the server was lost.', retryable: true });
    view.finish();
    const output = terminal.output;
    expect(output.indexOf('The partial answer')).toBeGreaterThanOrEqual(0);
    expect(output.indexOf('The partial answer')).toBeLessThan(
      output.indexOf('connection to the server was lost'),
    );
  });
});

describe('TurnView text', () => {
  test("a table in the reply is laid out to the terminal's width, even when the turn ends inside it", () => {
    const terminal = recordingTerminal({ styled: true, columns: 24 });
    const view = new TurnView(terminal);
    const text = '| Step | What happens |\n|---|---|\n| 1 | The server reads the configuration |';
    view.onMessage({
      id: 'turn-1',
      role: 'assistant',
      parts: [{ type: 'text', text, state: 'streaming' }],
    } as UIMessage);
    view.finish();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the style codes are left out to compare the text.
    const lines = terminal.output.replace(/\x1b\[[\d;]*m/g, '').split('\n');
    expect(lines).toEqual([
      'Step │ What happens',
      '─────┼──────────────────',
      '1    │ The server reads',
      '     │ the configuration',
      '',
    ]);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(24);
  });
});

describe('TurnView usage line', () => {
  const withUsage = (inputTokens: number, outputTokens: number) =>
    ({
      id: 'turn-1',
      role: 'assistant',
      parts: [],
      metadata: { usage: { inputTokens, outputTokens } },
    }) as UIMessage;

  test('a turn that used tokens says how many; one stopped before the model answered says nothing', () => {
    const used = recordingTerminal({ isTTY: true });
    const usedView = new TurnView(used);
    usedView.onMessage(withUsage(1200, 34));
    usedView.finish();
    expect(used.output).toContain('1,200 in · 34 out tokens');

    const none = recordingTerminal({ isTTY: true });
    const noneView = new TurnView(none);
    noneView.onMessage(withUsage(0, 0));
    noneView.finish();
    expect(none.output).not.toContain('out tokens');
  });
});
