import type { BenchGroup } from './bench-group.ts';
import { measureColdMemory, measureWarmMemory, readLiveMemory } from './claude-memory.ts';
import { startClaudeBenchServer } from './claude-server.ts';
import { measureClaudeTiming } from './claude-timing.ts';
import { formatClaudeReport } from './format-claude-report.ts';

/** At most the pool's default of 8 live processes, so no warm session is evicted mid-run. */
const sessionCount = 8;
/** A cold turn takes about 0.4 s; 8 × 6 pairs keep the timing part near half a minute. */
const turnsPerSession = 6;
const maxMemorySessions = 3;
const coldMemoryTurns = 6;

const description = `This group runs the real Claude Code CLI (the claude runtime) against the fake Anthropic server,
on two servers at once: the cold path (\`AUTOPILOT_MAX_LIVE_PROCESSES=0\`: every turn starts a new CLI
process, resumed from the stored transcript) and the warm path (the default: one live process per
session, reused across turns). Each of ${sessionCount} sessions per path has an untimed first turn (which also
sets off the title request), then ${turnsPerSession} timed turns; cold and warm turns alternate one by one, and
the one that goes first alternates too. A turn is timed from just before the POST to the moment the
fake receives the turn's model request (title requests are not counted), and to the end of the
turn's stream.

Memory is read from \`/proc/<pid>/status\` (VmRSS, VmHWM) and \`/proc/<pid>/smaps_rollup\` (Pss) of
this process's descendant processes named \`claude\`. Warm: on a fresh server, after K sessions (K = 1 … ${maxMemorySessions})
have each had one turn, and on the timing server after all its timed turns. Cold: on a fresh server,
sampled every 10 ms while each of ${coldMemoryTurns} turns runs.`;

const notes = `Times are in milliseconds. RSS counts pages shared between the CLI processes (the binary's code)
in every process; PSS splits them among the sharers, so PSS per session is nearer to what one more
session costs. The issue measured about 0.3–0.45 s and about 230 MB per turn for the cold path.`;

export const claudeGroup: BenchGroup = {
  name: 'claude',
  title: 'Claude runtime: cold and warm path',
  description,
  async run() {
    const cold = await startClaudeBenchServer({ path: 'cold' });
    const warm = await startClaudeBenchServer({ path: 'warm' });
    let timing: Awaited<ReturnType<typeof measureClaudeTiming>>;
    let afterTiming: Awaited<ReturnType<typeof readLiveMemory>>;
    try {
      timing = await measureClaudeTiming({ cold, warm, sessionCount, turnsPerSession });
      // The cold server keeps no process between turns, so every live CLI here is a warm session's.
      afterTiming = await readLiveMemory({ sessions: sessionCount, turnsEach: turnsPerSession + 1 });
    } finally {
      await Promise.all([cold.server.close(), warm.server.close()]);
    }
    console.error('claude: timing done');
    const warmMemory = [...(await measureWarmMemory({ maxSessions: maxMemorySessions })), afterTiming];
    const coldMemory = await measureColdMemory({ turns: coldMemoryTurns });
    return `${formatClaudeReport({ timing, warmMemory, cold: coldMemory })}\n\n${notes}`;
  },
};
