import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchGroup } from './bench-group.ts';
import { toMarkdownTable } from './markdown-table.ts';
import { percentile } from './stats.ts';

const samples = 12;
/** How long a prepared worker is given to start before its page arrives: a page's download. */
const downloadMs = 1_500;
const labels = ['short page', 'ordinary article'];

const description = `The time from a fetched HTML page to its Markdown in \`web_fetch\`: the page converted in
a worker thread of its own (Readability and Turndown over linkedom), as the tool does, in a plain Node
process of its own as the server runs (\`bench/web-fetch-main.ts\`). "Worker started for the page" starts
the worker when the page arrives, as every page did before a worker was kept waiting; "worker waiting"
gives the page to a worker \`prepare\` started ${downloadMs / 1000} s earlier, as the tool starts one while the
page downloads. "In this thread" is the conversion alone, run warm on the calling thread: what a worker's
start and its cold code add. ${samples} samples of each, alternating, after two thrown away.`;

interface PageTimes {
  bytes: number;
  started: number[];
  waiting: number[];
  inThread: number[];
}

export const webFetchGroup: BenchGroup = {
  name: 'web-fetch',
  title: 'web_fetch: a page to Markdown',
  description,
  async run() {
    const root = join(import.meta.dirname, '..');
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules', '.bin', 'node'),
      [join(root, 'bench', 'web-fetch-main.ts'), String(samples), String(downloadMs)],
      { cwd: root, maxBuffer: 1024 * 1024 },
    );
    const pages = JSON.parse(stdout) as PageTimes[];
    const p50 = (values: number[]) => percentile({ values, fraction: 0.5 });
    const rows = pages.map((page, index) => [
      `${labels[index]} (${page.bytes.toLocaleString('en-US')} bytes)`,
      p50(page.started).toFixed(0),
      p50(page.waiting).toFixed(0),
      (p50(page.started) / p50(page.waiting)).toFixed(1),
      p50(page.inThread).toFixed(0),
    ]);
    return toMarkdownTable({
      header: [
        'page',
        'worker started for the page, p50 (ms)',
        'worker waiting, p50 (ms)',
        'ratio',
        'in this thread, p50 (ms)',
      ],
      rows,
    });
  },
};
