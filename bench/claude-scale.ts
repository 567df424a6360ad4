import { readFile } from 'node:fs/promises';
import type { BenchGroup } from './bench-group.ts';
import { readLiveMemory } from './claude-memory.ts';
import { startClaudeBenchServer, timedPromptPrefix } from './claude-server.ts';
import { measureClaudeTurn } from './claude-turn.ts';
import { toMarkdownTable } from './markdown-table.ts';
import { prepareSessions } from './prepare-sessions.ts';
import { claudePids } from './process-memory.ts';
import { sum, summarise } from './stats.ts';

/** Live sessions per run; `AUTOPILOT_BENCH_CLAUDE_SESSIONS=8` picks others. */
const defaultSessionCounts = [8, 16, 32];
/** Linux reports CPU time in clock ticks; 100 per second on every kernel this runs on. */
const ticksPerSecond = 100;

interface ScaleResult {
  sessions: number;
  modelRequest: ReturnType<typeof summarise>;
  turn: ReturnType<typeof summarise>;
  cliCpuMsPerTurn: number;
  serverCpuMsPerTurn: number;
  rssMbPerSession: number;
  pssMbPerSession: number;
}

const description = `Sizing the claude runtime: N live sessions on one server (the warm path, with
\`AUTOPILOT_MAX_LIVE_PROCESSES\` raised to N so none is evicted), each with one live Claude Code CLI
process against the fake Anthropic server. Every session first has an untimed turn (and its title),
then all N sessions send one message at once. Time to the model call is from just before the POST
to the fake receiving that turn's model request. CPU per turn is the summed user+system time of the
CLI processes (from \`/proc\`) over the timed turns, divided by N; server CPU is this bench process's
own (the server, the fake and the client run in it), so it is an upper bound. Memory is read after
the timed turns: RSS counts the pages the CLI processes share in each of them, PSS splits them.`;

export const claudeScaleGroup: BenchGroup = {
  name: 'claude-scale',
  title: 'Claude runtime: live sessions for sizing',
  description,
  async run() {
    const results: ScaleResult[] = [];
    for (const sessions of selectSessionCounts()) {
      results.push(await measureScale(sessions));
      console.error(`claude-scale ${sessions}: done`);
    }
    return formatScaleReport(results);
  },
};

function selectSessionCounts(): number[] {
  const named = process.env.AUTOPILOT_BENCH_CLAUDE_SESSIONS;
  return named ? named.split(',').map((value) => Number(value)) : defaultSessionCounts;
}

async function measureScale(sessions: number): Promise<ScaleResult> {
  const bench = await startClaudeBenchServer({
    path: 'warm',
    env: { AUTOPILOT_MAX_LIVE_PROCESSES: String(sessions) },
  });
  try {
    const sessionIds = await prepareSessions({ server: bench.server, count: sessions });
    const cliBefore = await readCliCpuMs();
    const serverBefore = process.cpuUsage();
    const samples = await Promise.all(
      sessionIds.map((sessionId, index) =>
        measureClaudeTurn({
          bench,
          sessionId,
          prompt: `${timedPromptPrefix} at scale ${sessions}, ${index + 1}`,
        }),
      ),
    );
    const serverCpu = process.cpuUsage(serverBefore);
    const cliCpuMs = (await readCliCpuMs()) - cliBefore;
    const memory = await readLiveMemory({ sessions, turnsEach: 2 });
    return {
      sessions,
      modelRequest: summarise(samples.map((sample) => sample.modelRequestMs)),
      turn: summarise(samples.map((sample) => sample.turnMs)),
      cliCpuMsPerTurn: cliCpuMs / sessions,
      serverCpuMsPerTurn: (serverCpu.user + serverCpu.system) / 1000 / sessions,
      rssMbPerSession: sum(memory.processes.map((process) => process.rssMb)) / sessions,
      pssMbPerSession: sum(memory.processes.map((process) => process.pssMb ?? 0)) / sessions,
    };
  } finally {
    await bench.server.close();
  }
}

/** User plus system CPU time of the live CLI processes, in milliseconds. */
async function readCliCpuMs(): Promise<number> {
  let ticks = 0;
  for (const pid of await claudePids()) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended while we looked.
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}

function formatScaleReport(results: ScaleResult[]): string {
  const ms = (value: number) => value.toFixed(0);
  return [
    toMarkdownTable({
      header: [
        'live sessions',
        'POST → model call p50, p99 (ms)',
        'turn p50, p99 (ms)',
        'CLI CPU per turn (ms)',
        'server CPU per turn (ms)',
        'RSS per session (MB)',
        'PSS per session (MB)',
      ],
      rows: results.map((result) => [
        String(result.sessions),
        `${ms(result.modelRequest.p50)}, ${ms(result.modelRequest.p99)}`,
        `${ms(result.turn.p50)}, ${ms(result.turn.p99)}`,
        ms(result.cliCpuMsPerTurn),
        ms(result.serverCpuMsPerTurn),
        result.rssMbPerSession.toFixed(0),
        result.pssMbPerSession.toFixed(0),
      ]),
    }),
    'All N turns start at once, so the time to the model call includes waiting for the CPU behind the other N − 1 sessions: on 2 cores it grows with N.',
  ].join('\n\n');
}
