import { afterEach, expect, test } from 'vitest';
import { recordingTerminal } from '../../test/support/recording-terminal.ts';
import { StatusLine } from './status-line.ts';
import { fitColumns, sanitizeForTerminal } from './terminal-text.ts';

let line: StatusLine | undefined;
afterEach(() => line?.stop());

/** The widest drawn line, in columns (its escape sequences left out). */
function widestDraw(output: string): number {
  const draws = output.split('\r').map((draw) => sanitizeForTerminal(draw));
  return Math.max(...draws.map((draw) => Array.from(draw).length + Array.from(draw).filter(isWide).length));
}
const isWide = (character: string) => fitColumns({ text: character, columns: 1 }) === '';

test.each([
  [40, `bash_exec $ echo ${'写入文件'.repeat(8)}`],
  [12, 'Waiting for the model to answer…'],
  [5, 'Writing…'],
])('at %i columns the spinner line fits, so a redraw leaves no row behind', (columns, label) => {
  const terminal = recordingTerminal({ isTTY: true, columns });
  line = new StatusLine(terminal);
  line.show(label);
  expect(widestDraw(terminal.output)).toBeLessThan(columns);
});
