import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchGroup } from './bench-group.ts';
import { updateBenchmarksFile } from './benchmarks-file.ts';
import { claudeGroup } from './claude-group.ts';
import { claudeScaleGroup } from './claude-scale.ts';
import { codeHighlightGroup } from './code-highlight-group.ts';
import { formatBenchmarksSection } from './format-benchmarks-section.ts';
import { fullPathGroup } from './full-path-group.ts';
import { describeRevision } from './git-revision.ts';
import { historyCostGroup } from './load/history-cost-group.ts';
import { loadGroup } from './load/load-group.ts';
import { longChatGroup } from './long-chat-group.ts';
import { streamGroup } from './stream-group.ts';
import { webFetchGroup } from './web-fetch-group.ts';

const groups: BenchGroup[] = [
  fullPathGroup,
  claudeGroup,
  claudeScaleGroup,
  streamGroup,
  loadGroup,
  longChatGroup,
  historyCostGroup,
  webFetchGroup,
  codeHighlightGroup,
];

/** The groups named on the command line, in the order given; every group when none is named. */
function selectGroups(names: string[]): BenchGroup[] {
  if (names.length === 0) return groups;
  return names.map((name) => {
    const group = groups.find((candidate) => candidate.name === name);
    if (!group) {
      const known = groups.map((candidate) => candidate.name).join(', ');
      throw new Error(`unknown bench group "${name}"; known groups: ${known}`);
    }
    return group;
  });
}

function npmCommand(names: string[]): string {
  return names.length === 0 ? 'npm run bench' : `npm run bench -- ${names.join(' ')}`;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const selected = selectGroups(names);
  const root = join(import.meta.dirname, '..');
  for (const group of selected) {
    const startedAt = new Date();
    const loadAtStart = loadavg()[0]!;
    const report = await group.run();
    console.error(`${group.name}: done in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s`);
    console.log(`## ${group.title}\n\n${report}\n`);
    const section = formatBenchmarksSection({
      title: group.title,
      description: group.description,
      report,
      startedAt,
      loadAtStart,
      revision: await describeRevision({ directory: root }),
      command: npmCommand(names),
      groupCommand: npmCommand([group.name]),
    });
    await updateBenchmarksFile({ path: join(root, 'BENCHMARKS.md'), group: group.name, section });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
