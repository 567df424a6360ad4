// The bench's fake Anthropic model in a process of its own (started by `fake-process.ts`). It
// answers the parent's questions over IPC: when the latest timed request arrived (the monotonic
// clock, shared by every process on the machine), the last request for a prompt, and a reset.

import { startFakeAnthropicServer } from '../test/support/fake-model/index.ts';
import { createBenchBrain } from './bench-brain.ts';
import type { FakeProcessCall, FakeProcessReply } from './fake-process.ts';

let latestArrival: bigint | undefined;
const fake = await startFakeAnthropicServer({
  brain: createBenchBrain({ arrivals: { mark: () => (latestArrival = process.hrtime.bigint()) } }),
});

function answer(call: FakeProcessCall): FakeProcessReply {
  switch (call.op) {
    case 'take-arrival': {
      const arrival = latestArrival;
      latestArrival = undefined;
      return { id: call.id, arrivalNs: arrival === undefined ? null : String(arrival) };
    }
    case 'reset':
      fake.reset();
      return { id: call.id };
    case 'last-request': {
      const request = fake.requests.findLast(
        (candidate) => candidate.lastUserText === call.lastUserText && candidate.stream,
      );
      return { id: call.id, request: request ? { headers: request.headers, body: request.body } : null };
    }
  }
}

process.on('message', (call: FakeProcessCall) => process.send!(answer(call)));
// The parent going away (its IPC channel closing) ends this process.
process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
process.send!({ id: 0, url: fake.url } satisfies FakeProcessReply);
