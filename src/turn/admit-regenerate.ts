import type { Lock, LockLease } from '../coord/lock.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';
import type { SubmitResult } from './admit-message.ts';
import { type IncomingMessage, lockKeyOf, type TurnRequest, validateRequest } from './admit-turn.ts';

/**
 * What a regenerate that names its message (`regenerateOf`) asks for, when it is not a run of the
 * last message again: null then. A message still waiting, or whose turn is running, is a repeat of
 * its send (its turn's stream answers, as for the same key sent again); a message the session never
 * stored (its first send was lost before it was stored) is that message sent again, under its own
 * id. Either way it goes on as an ordinary send, validated as one.
 */
export async function asResend(options: { store: SessionStore; scope: Scope; request: TurnRequest }) {
  const { store, scope, request } = options;
  const id = request.regenerateOf;
  if (!request.regenerate || id === undefined) return null;
  const send: TurnRequest = { ...request, regenerate: false, regenerateOf: undefined, clientMessageId: id };
  const stored = await store.findUserMessage({ ...scope, clientMessageId: id });
  if (stored) return stored.turnId === (await store.getActiveTurn(scope))?.id ? send : null;
  const waiting = await store.listWaitingMessages(scope);
  if (waiting.some((message) => message.clientMessageId === id)) return send;
  // useChat may name a reply by its turn's id; a waiting turn's id is taken too.
  if (waiting.some((message) => message.turnId === id) || (await store.getTurn({ ...scope, turnId: id }))) {
    return null;
  }
  if (request.text.trim() === '') return null;
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
