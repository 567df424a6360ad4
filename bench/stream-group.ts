import type { BenchGroup } from './bench-group.ts';
import { formatStreamReport } from './format-stream-report.ts';
import { measureHttpStream } from './measure-http-stream.ts';
import { measureRegistry } from './registry-replay.ts';

const tail = 10;

const description = `This group measures replaying and resuming a turn's event stream, the way a client reconnects
with \`Last-Event-ID\`. Registry: straight against \`MemoryStreamRegistry\`, on open streams of 1,000,
10,000 and 100,000 text-delta events (as a running turn's would be). HTTP: through the real server
(baseline runtime, SQLite): the fake streams a reply of 1,000, 10,000 or 100,000 text deltas with no
delay, then calls a bench tool that holds the turn open, so \`GET /api/sessions/:id/stream\` still finds
it active; the bench then reads that endpoint with \`fetch\`, splits the body into SSE frames, checks
that the ids are dense and JSON-parses every \`data:\`. Every sample is timed from just before the
subscribe (or the GET) to the turn's last event. Samples of different lengths alternate, and warm-up
samples are thrown away.`;

const notes = `N for HTTP is the turn's real event count: the deltas plus the turn's other chunks (start, step,
text and tool-call chunks). The issue's targets: resuming from a cursor near the end must not grow with
the turn's length, and a full replay must exceed 50,000 events/s. The issue names 10,000 events for
the HTTP replay; the 100,000-event row shows how the replay scales.`;

export const streamGroup: BenchGroup = {
  name: 'stream',
  title: 'Stream registry: replay and resume',
  description,
  async run() {
    const registry = await measureRegistry({
      resume: [1_000, 10_000, 100_000].map((length) => ({ length, samples: 3_000 })),
      replay: [10_000, 100_000].map((length) => ({ length, samples: 30 })),
      tail,
      warmUpRounds: 200,
    });
    console.error('stream: registry done');
    const http = await measureHttpStream({
      resume: [1_000, 10_000, 100_000].map((length) => ({ length, samples: 200 })),
      // A 100,000-event replay over HTTP takes seconds (see the notes): a few samples only.
      replay: [
        { length: 10_000, samples: 20 },
        { length: 100_000, samples: 5 },
      ],
      tail,
      warmUpRounds: 2,
    });
    return `${formatStreamReport({ registry, http, tail })}\n\n${notes}`;
  },
};
