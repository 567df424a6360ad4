import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaudeBenchServer } from './claude-server.ts';
import { timedPromptPrefix } from './claude-server.ts';
import { type ClaudeTurnSample, measureClaudeTurn } from './claude-turn.ts';
import { prepareSessions } from './prepare-sessions.ts';

/** Lets the previous turn's clean-up (a cold process's exit, socket teardown) finish outside the next sample. */
const settleMs = 20;

export interface ClaudeTimingSamples {
  cold: ClaudeTurnSample[];
  warm: ClaudeTurnSample[];
}

/**
 * Each session has one untimed first turn (which also starts its title request), then
 * `turnsPerSession` timed turns. Cold and warm turns alternate one by one, and which goes first
 * alternates too, so drift and noise on the shared machine hit both paths alike.
 */
export async function measureClaudeTiming(options: {
  cold: ClaudeBenchServer;
  warm: ClaudeBenchServer;
  sessionCount: number;
  turnsPerSession: number;
}): Promise<ClaudeTimingSamples> {
  const { cold, warm, sessionCount, turnsPerSession } = options;
  const coldSessions = await prepareSessions({ server: cold.server, count: sessionCount });
  const warmSessions = await prepareSessions({ server: warm.server, count: sessionCount });
  const samples: ClaudeTimingSamples = { cold: [], warm: [] };
  const runTurn = async (bench: ClaudeBenchServer, sessionId: string, prompt: string) => {
    await sleep(settleMs);
    samples[bench.path].push(await measureClaudeTurn({ bench, sessionId, prompt }));
  };
  let pair = 0;
  for (let turn = 0; turn < turnsPerSession; turn++) {
    for (let session = 0; session < sessionCount; session++) {
      const prompt = `${timedPromptPrefix} ${turn + 1} of session ${session + 1}`;
      const coldTurn = () => runTurn(cold, coldSessions[session]!, prompt);
      const warmTurn = () => runTurn(warm, warmSessions[session]!, prompt);
      const [first, second] = pair++ % 2 === 0 ? [coldTurn, warmTurn] : [warmTurn, coldTurn];
      await first();
      await second();
    }
  }
  return samples;
}
