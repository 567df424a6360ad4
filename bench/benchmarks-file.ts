import { readFile, writeFile } from 'node:fs/promises';

const startMarker = '<!-- bench:full-path:start -->';
const endMarker = '<!-- bench:full-path:end -->';

const intro = `# Benchmarks

\`npm run bench\` measures the full path of one turn: HTTP, the turn engine, persistence (the embedded
SQLite store on a temporary file), SSE, and a client parsing the stream with the official \`ai\`
client. It runs against the fake Anthropic model in the same process, once streaming with no delay
and once at about 50 tokens/s, and in the same run reads the fake's own stream directly as the
floor. The figures below are what the full path adds on top of that floor.

Machine notes: the runs below come from a shared, noisy machine with 2 cores. Absolute numbers move
from run to run; compare the full path with the direct reading of the same run, not runs with each
other.

`;

/** Replaces the bench's section of BENCHMARKS.md, creating the file with its intro if needed. */
export async function updateBenchmarksFile(options: { path: string; section: string }): Promise<void> {
  const block = `${startMarker}\n${options.section.trim()}\n${endMarker}\n`;
  const existing = await readFile(options.path, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  });
  if (existing === null) {
    await writeFile(options.path, `${intro}${block}`);
    return;
  }
  const start = existing.indexOf(startMarker);
  const end = existing.indexOf(endMarker);
  const updated =
    start === -1 || end === -1
      ? `${existing.trimEnd()}\n\n${block}`
      : `${existing.slice(0, start)}${block}${existing.slice(end + endMarker.length).replace(/^\n/, '')}`;
  await writeFile(options.path, updated);
}
