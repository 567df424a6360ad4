import type { Lock, LockLease } from '../coord/lock.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { Scope, SessionStore, WaitingMessage } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';
import { answerRepeat, type SubmitResult } from './admit-message.ts';
import {
  findKnownMessage,
  type IncomingMessage,
  type KnownMessage,
  lockKeyOf,
  type TurnRequest,
  validateRequest,
} from './admit-turn.ts';

/**
 * A regenerate that names its message (`regenerateOf`), under the session's mutex. A message
 * still waiting, or whose turn is running (its send's connection dropped), is answered as a repeat
 * of its send, with its turn. A message the session never stored (its first send was lost before
 * it was stored) is that message sent again, as a new one under its own id: `send` tells the
 * caller to admit it so, validated as any message. Anything else runs the last message again,
 * which the store refuses unless the named message is still the last.
 */
export async function admitNamedRegenerate(options: {
  deps: { store: SessionStore; lock: Lock; registry: StreamRegistry; lockTtlMs: number };
  scope: Scope;
  request: TurnRequest;
  start: Parameters<typeof admitRegenerate>[0]['start'];
}): Promise<SubmitResult | 'send'> {
  const { deps, scope, request } = options;
  const { store } = deps;
  const id = request.regenerateOf;
  if (id !== undefined) {
    const waiting = await store.listWaitingMessages(scope);
    const asSent = { ...request, clientMessageId: id };
    // useChat may name a message by its reply, whose id is its turn's.
    const known =
      (await findKnownMessage({ store, scope, request: asSent, waiting })) ??
      waitingOfTurn({ waiting, turnId: id });
    const activeId = known?.waiting ? null : (await store.getActiveTurn(scope))?.id;
    if (known && (known.waiting || known.turnId === activeId)) {
      return answerRepeat({ known, registry: deps.registry, steer: false });
    }
    if (id === activeId) return { kind: 'stream', turnId: id };
    const named = known !== null || (await store.getTurn({ ...scope, turnId: id })) !== null;
    if (!named && request.text.trim() !== '') return 'send';
  }
  return admitRegenerate({ deps, scope, regenerateOf: id, start: options.start });
}

/**
 * The messages waiting for the turn `turnId`, as one known message (the first of them). Steered
 * messages are left out, as the session's stream leaves them: the running turn may take them.
 */
function waitingOfTurn(options: { waiting: WaitingMessage[]; turnId: string }): KnownMessage | null {
  const first = options.waiting.find(
    (message) => message.turnId === options.turnId && message.delivery === 'next-turn',
  );
  return first ? { clientMessageId: first.clientMessageId, turnId: first.turnId, waiting: true } : null;
}

/** The ordinary send a regenerate of a never stored message stands for (`admitNamedRegenerate`). */
export function asSend(request: TurnRequest): TurnRequest {
  const send: TurnRequest = {
    ...request,
    regenerate: false,
    regenerateOf: undefined,
    clientMessageId: request.regenerateOf,
  };
  validateRequest(send);
  return send;
}

/**
 * Runs the last user message(s) again as a new turn, only while nothing runs or waits: the
 * answer or error it replaces is kept in the store, superseded, and no longer shown. With
 * `regenerateOf`, the store refuses it (409 `message_not_last`) unless that message is still the last.
 */
export async function admitRegenerate(options: {
  deps: { store: SessionStore; lock: Lock; lockTtlMs: number };
  scope: Scope;
  regenerateOf?: string;
  /** Stores the turn and queues it; the caller's `#start`. */
  start: (options: {
    scope: Scope;
    lease: LockLease;
    turnId: string;
    messages: IncomingMessage[];
    regenerate: true;
    regenerateOf?: string;
  }) => Promise<void>;
}): Promise<SubmitResult> {
  const { deps, scope } = options;
  const busy = new AppError(
    'turn_in_progress',
    'A reply is still running. Wait for it to finish, or stop it first.',
    { status: 409 },
  );
  // A turn still recorded as running (even one whose runner died and awaits the watchdog) counts.
  if ((await deps.store.getActiveTurn(scope)) || (await deps.store.listWaitingMessages(scope)).length > 0) {
    throw busy;
  }
  const turnId = createId();
  const lease = await deps.lock.acquire({
    key: lockKeyOf(scope.sessionId),
    owner: turnId,
    ttlMs: deps.lockTtlMs,
  });
  if (!lease) throw busy;
  await options.start({
    scope,
    lease,
    turnId,
    messages: [],
    regenerate: true,
    regenerateOf: options.regenerateOf,
  });
  return { kind: 'stream', turnId };
}
