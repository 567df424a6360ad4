import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { codeHighlighter } from '../web/src/chat/code-highlighter.ts';
import type { BenchGroup } from './bench-group.ts';
import { toMarkdownTable } from './markdown-table.ts';
import { percentile } from './stats.ts';

/** Lines in the code block when it is timed. */
const blockLines = [100, 300, 600];
/** Characters a tick adds: about 40 ms of a reply at 50 tokens/s. */
const tickChars = 8;
/** Ticks timed at each size. */
const ticks = 40;
const sources = ['src/turn/turn-service.ts', 'src/turn/run-turn.ts', 'src/tools/web/convert-page.ts'];

const description = `The web page's code highlighting (\`web/src/chat/code-highlighter.ts\`, Shiki with its
JavaScript regex engine) while a TypeScript code block streams in, run in Node's V8 as in the browser's.
Streamdown asks the highlighter again each time the block grows, every UI tick (40 ms) while it streams.
At each size, the block grows ${tickChars} characters a tick (about 40 ms of a reply at 50 tokens/s) for ${ticks}
ticks, and each tick is timed two ways: highlighted from where the previous tick stopped (as the page does
now), and highlighted whole, as it was before, with nothing to continue from. The code is this project's
own TypeScript.`;

function tick(code: string, language = 'ts'): number {
  const startedAt = performance.now();
  const result = codeHighlighter.highlight({ code, language, isIncomplete: true });
  if (!result) throw new Error('the highlighter was not ready');
  return performance.now() - startedAt;
}

export const codeHighlightGroup: BenchGroup = {
  name: 'code-highlight',
  title: 'Highlighting a code block as it streams',
  description,
  async run() {
    const root = join(import.meta.dirname, '..');
    const texts = await Promise.all(sources.map((source) => readFile(join(root, source), 'utf8')));
    const lines = texts.join('\n').split('\n');
    if (lines.length < Math.max(...blockLines) + ticks) throw new Error('not enough code to stream');
    // Loads the highlighter and the grammar.
    await new Promise((resolve) =>
      codeHighlighter.highlight({ code: 'let x = 1;', language: 'ts' }, resolve),
    );
    const rows = blockLines.map((count) => {
      const code = lines.slice(0, count + ticks).join('\n');
      let end = lines.slice(0, count).join('\n').length;
      // The block streamed up to this size: what the page's earlier ticks did.
      for (let start = 0; start < end; start += 400) tick(code.slice(0, start));
      const continued: number[] = [];
      const whole: number[] = [];
      for (let index = 0; index < ticks; index++) {
        end += tickChars;
        continued.push(tick(code.slice(0, end)));
        // The same block, but after a first line no earlier tick had: nothing to continue from.
        whole.push(tick(`// ${count} ${index}\n${code.slice(0, end)}`));
      }
      const p50 = (values: number[]) => percentile({ values, fraction: 0.5 });
      return [
        String(count),
        p50(whole).toFixed(1),
        p50(continued).toFixed(2),
        (p50(whole) / p50(continued)).toFixed(0),
      ];
    });
    return toMarkdownTable({
      header: [
        'lines in the block',
        'highlighted whole, p50 per tick (ms)',
        'highlighted from where it stopped, p50 per tick (ms)',
        'ratio',
      ],
      rows,
    });
  },
};
