import type { Lock, LockLease } from '../coord/lock.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';
import type { SubmitResult } from './admit-message.ts';
import { type IncomingMessage, lockKeyOf, type TurnRequest, validateRequest } from './admit-turn.ts';

/**
 * A regenerate of a message the session never stored (its first send failed before it was
 * stored) is that message sent again: run as a new message under its own id. Null for every other
 * regenerate, which runs the last message again.
 */
export async function asResend(options: { store: SessionStore; scope: Scope; request: TurnRequest }) {
  const { store, scope, request } = options;
  const id = request.regenerateOf;
  if (!request.regenerate || id === undefined || request.text.trim() === '') return null;
  // The id a client lists for a user message is its key; useChat may name a reply by its turn's id.
  if (await store.findUserMessage({ ...scope, clientMessageId: id })) return null;
  if (await store.getTurn({ ...scope, turnId: id })) return null;
  const resend: TurnRequest = { ...request, regenerate: false, regenerateOf: undefined, clientMessageId: id };
  validateRequest(resend);
  return resend;
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
