import type { BenchGroup } from '../bench-group.ts';
import { toMarkdownTable } from '../markdown-table.ts';
import { measureServerTurn } from './measure-load-turn.ts';
import { loadPrompt, startPacedFake } from './paced-fake.ts';
import { createSession, warmUpServer } from './run-load.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

/** Rows of history (each message and its one-line answer are two) at which a turn is priced. */
const checkpoints = [0, 400, 1_600];
/** Turns priced at each checkpoint, one after another. */
const timedTurns = 50;

const description = `One conversation on one \`autopilot serve\` process (baseline runtime, SQLite, logs at
\`warn\`, warmed up as in the load group), against the paced fake answering each message with one text
delta. The conversation grows one message at a time; at ${checkpoints.map((rows) => rows.toLocaleString('en-US')).join(', ')}
rows of history, the server's CPU (from \`/proc\`) is read around ${timedTurns} more messages, one after another.
Every turn reads the session's whole history, maps its rows, and sends it to the model: what a turn
costs as its conversation grows. The rows are short (a message and a one-line answer), so this is the
cost per row, not per character. The session is made with a title, so no title request is made.
\`AUTOPILOT_BENCH_SERVER_ROOT=<checkout>\` runs another checkout's server, for a before and after.`;

async function sendTurns(options: {
  server: ServerProcess;
  sessionId: string;
  count: number;
}): Promise<void> {
  for (let turn = 0; turn < options.count; turn++) {
    await measureServerTurn({
      serverUrl: options.server.url,
      sessionId: options.sessionId,
      text: loadPrompt(1),
    });
  }
}

export const historyCostGroup: BenchGroup = {
  name: 'history',
  title: 'A turn’s cost as its conversation grows',
  description,
  async run() {
    const fake = await startPacedFake();
    const server = await startServerProcess({ modelUrl: fake.url });
    const rows: string[][] = [];
    try {
      await warmUpServer(server);
      const sessionId = await createSession({ serverUrl: server.url, title: 'History' });
      let history = 0;
      for (const checkpoint of checkpoints) {
        await sendTurns({ server, sessionId, count: (checkpoint - history) / 2 });
        const before = await server.readUsage();
        await sendTurns({ server, sessionId, count: timedTurns });
        const after = await server.readUsage();
        history = checkpoint + timedTurns * 2;
        rows.push([
          checkpoint.toLocaleString('en-US'),
          ((after.cpuMs - before.cpuMs) / timedTurns).toFixed(2),
        ]);
      }
    } finally {
      await server.close();
      await fake.close();
    }
    return toMarkdownTable({ header: ['rows of history', 'server CPU per turn (ms)'], rows });
  },
};
