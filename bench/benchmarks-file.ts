import { readFile, writeFile } from 'node:fs/promises';

const intro = `# Benchmarks

\`npm run bench\` runs every benchmark group; \`npm run bench -- <group>\` runs one (or several, by name):

- \`full-path\`: the latency one turn adds on top of the model, through HTTP, the turn engine, SQLite and SSE.
- \`claude\`: the claude runtime's cold path (a new Claude Code process per turn) against its warm path
  (one live process per session), in time to the model call and in memory.
- \`stream\`: replaying and resuming a turn's event stream, in the registry and over HTTP.
- \`load\`: K concurrent new chats against a paced fake, against the same K streams read straight from it.
- \`claude-scale\`: the claude runtime at 8, 16 and 32 live sessions, for sizing a machine.

Each group rewrites only its own section below, between its marker comments, and says how it measures.
The server, the fake Anthropic model and the client share one process. A group takes at most about a
minute and a half, and none is part of \`npm test\`.

Machine notes: the runs below come from a shared, noisy machine with 2 cores. Absolute numbers change
from run to run. Compare figures within one section, and not one run with another.

`;

/** Replaces one group's section of BENCHMARKS.md, appending it (or creating the file) if missing. */
export async function updateBenchmarksFile(options: {
  path: string;
  group: string;
  section: string;
}): Promise<void> {
  const startMarker = `<!-- bench:${options.group}:start -->`;
  const endMarker = `<!-- bench:${options.group}:end -->`;
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
