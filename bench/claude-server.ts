import { type FakeBrain, scriptedBrain, textReply } from '../test/support/fake-model/index.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';
import { PromptArrivals } from './prompt-arrivals.ts';

export type ClaudePath = 'cold' | 'warm';

/** A server on the claude runtime (the real CLI against the fake) and the arrivals its fake notes. */
export interface ClaudeBenchServer {
  path: ClaudePath;
  server: TestServer;
  arrivals: PromptArrivals;
}

/** Timed prompts start with this; only their model requests are noted. */
export const timedPromptPrefix = 'timed turn';

/** What the fake answers to any prompt, so a turn's reply can be checked. */
export function expectedReply(prompt: string): string {
  return `echo ${prompt}`;
}

/**
 * The cold path keeps no process between turns (`AUTOPILOT_MAX_LIVE_PROCESSES=0`): each turn starts
 * a CLI that resumes from the stored transcript. The warm path is the default: one live process
 * per session, reused while it ran the session's last turn.
 */
export async function startClaudeBenchServer(options: {
  path: ClaudePath;
  env?: Record<string, string>;
}): Promise<ClaudeBenchServer> {
  const arrivals = new PromptArrivals();
  const server = await startTestServer({
    runtime: 'claude',
    brain: createClaudeBrain({ arrivals }),
    env: { ...(options.path === 'cold' ? { AUTOPILOT_MAX_LIVE_PROCESSES: '0' } : {}), ...options.env },
  });
  return { path: options.path, server, arrivals };
}

function createClaudeBrain(options: { arrivals: PromptArrivals }): FakeBrain {
  return scriptedBrain([
    {
      when: (request) => request.system.startsWith('Generate a very short title'),
      reply: textReply('Bench session'),
    },
    {
      when: () => true,
      reply: (request) => {
        if (request.lastUserText.startsWith(timedPromptPrefix)) options.arrivals.mark(request.lastUserText);
        return textReply(expectedReply(request.lastUserText));
      },
    },
  ]);
}
