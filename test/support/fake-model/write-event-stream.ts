import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeReply } from './script.ts';

/**
 * Writes pre-formatted SSE frames. With `delayMs` 0 it sets no timers, so tests
 * using fake timers are unaffected. With `resetAfter`, it writes that many frames,
 * waits until they reach the kernel (so the client really sees them), then
 * destroys the socket mid-body, which clients report as a broken stream.
 */
export async function writeEventStream(options: {
  response: ServerResponse;
  frames: string[];
  /** Its own pacing wins over the server's; a `reset` reply sets where the socket breaks. */
  reply: Exclude<FakeReply, { kind: 'error' }>;
  defaultDelayMs: number;
}): Promise<void> {
  const { response, frames, reply } = options;
  const delayMs =
    reply.kind === 'message' ? (reply.chunkDelayMs ?? options.defaultDelayMs) : options.defaultDelayMs;
  const resetAfter = reply.kind === 'reset' ? reply.afterEvents : undefined;
  response.flushHeaders();
  const count = Math.min(resetAfter ?? frames.length, frames.length);
  for (let index = 0; index < count; index++) {
    // A client that hung up (abort, test finished) must not keep the loop alive.
    if (response.destroyed) return;
    if (delayMs > 0 && index > 0) await sleep(delayMs);
    const frame = frames[index]!;
    if (reply.kind === 'message' && reply.splitCharacters) await writeSplit({ response, frame });
    else if (resetAfter === undefined) response.write(frame);
    else await new Promise<void>((resolve) => response.write(frame, () => resolve()));
  }
  if (resetAfter === undefined) response.end();
  else response.socket?.destroy();
}

/**
 * Writes a frame in two parts cut inside its first multi-byte UTF-8 character, waiting until the
 * first part has reached the kernel and a moment more, so the client reads the halves separately.
 */
async function writeSplit(options: { response: ServerResponse; frame: string }): Promise<void> {
  const bytes = Buffer.from(options.frame);
  // A continuation byte (10xxxxxx) is inside a character: cutting before it splits that character.
  const cut = bytes.findIndex((byte) => (byte & 0xc0) === 0x80);
  if (cut === -1) {
    options.response.write(bytes);
    return;
  }
  await new Promise<void>((resolve) => options.response.write(bytes.subarray(0, cut), () => resolve()));
  await sleep(5);
  options.response.write(bytes.subarray(cut));
}
