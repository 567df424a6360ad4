import type { Lock, LockLease } from '../coord/lock.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { FileRecord, FileStore } from '../store/file-store.ts';
import { DuplicateMessageKeyError, type Scope, type SessionStore } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';
import {
  assertSessionExists,
  findKnownMessage,
  type IncomingMessage,
  type KnownMessage,
  lockKeyOf,
  type TurnRequest,
} from './admit-turn.ts';
import { findAttachedFiles } from './attach-files.ts';
import { openTurnStream } from './turn-streams.ts';

/** Messages waiting per session; beyond this a send is answered 429. */
export const maxPendingMessages = 10;

/**
 * `stream`: answer with the stream of the turn that answers the message (started now, already
 * started, or waiting for the running turn to end). `queued`: a steered message, answered 202.
 */
export type SubmitResult = { kind: 'stream'; turnId: string } | { kind: 'queued'; messageId: string };

/**
 * One message, under its session's mutex: a repeat of a known one, a new turn when the session
 * is free and nothing waits, or else a waiting message (`waits`: the caller then tries to start
 * the next turn, in case the running one ended meanwhile).
 */
export async function admitMessage(options: {
  deps: { store: SessionStore; lock: Lock; registry: StreamRegistry; files: FileStore; lockTtlMs: number };
  scope: Scope;
  request: TurnRequest;
  /** Stores the turn and queues it; the caller's `#start`. */
  start: (options: {
    scope: Scope;
    lease: LockLease;
    turnId: string;
    messages: IncomingMessage[];
    files: FileRecord[];
  }) => Promise<void>;
}): Promise<{ result: SubmitResult; waits: boolean }> {
  const { deps, scope, request, start } = options;
  const { store, lock, registry } = deps;
  const steer = request.delivery === 'steer';
  const session = await assertSessionExists({ store, scope });
  // An idle session has no waiting messages (a session is `queued` while any wait, or `running`),
  // so a new chat, and any session at rest, skips reading them.
  const waiting = session.status === 'idle' ? [] : await store.listWaitingMessages(scope);
  const repeated = async (): Promise<{ result: SubmitResult; waits: false } | null> => {
    const known = await findKnownMessage({ store, scope, request, waiting });
    return known ? { result: await answerRepeat({ known, registry, steer }), waits: false } : null;
  };
  // A key that nothing waiting holds is looked up only if the session is busy or the store finds
  // it taken when the turn is stored (its messages' keys are unique per session): a free session's
  // new message goes straight to its turn. With files the lookup comes first: attaching them
  // prepares the workspace's attachments folder before the store is asked, and that is not undone.
  const lookUpLater =
    request.clientMessageId !== undefined && waiting.length === 0 && !request.fileIds?.length;
  if (!lookUpLater) {
    const known = await repeated();
    if (known) return known;
  }
  const files = await findAttachedFiles({
    files: deps.files,
    scope,
    fileIds: request.fileIds ?? [],
  });
  const message: IncomingMessage = {
    text: request.text,
    clientMessageId: request.clientMessageId ?? createId(),
  };

  // Earlier messages still waiting go first, so order is kept even if the lock is free right now.
  if (waiting.length === 0) {
    const turnId = createId();
    const lease = await lock.acquire({
      key: lockKeyOf(scope.sessionId),
      owner: turnId,
      ttlMs: deps.lockTtlMs,
    });
    if (lease) {
      try {
        // A file uploaded before its chat existed (the new-chat page uploads so) belongs to this
        // session once its turn starts, so deleting the session deletes it. A refused message
        // leaves its files free for another chat.
        const unbound = files.filter((file) => file.sessionId === null).map((file) => file.id);
        if (unbound.length > 0) await deps.files.bindToSession({ ...scope, fileIds: unbound });
      } catch (error) {
        await lock.release(lease);
        throw error;
      }
      try {
        await start({ scope, lease, turnId, messages: [message], files });
      } catch (error) {
        // A repeat held the session's lock for a moment. Every lock holder here runs under the
        // session's mutex; a lock shared between processes will need this repeat to start the
        // waiting messages another process stored meanwhile (as the watchdog would, later).
        if (!(lookUpLater && error instanceof DuplicateMessageKeyError)) throw error;
        return (await repeated()) ?? alreadyAnswered(error);
      }
      return { result: { kind: 'stream', turnId }, waits: false };
    }
  }
  if (lookUpLater) {
    const known = await repeated();
    if (known) return known;
  }
  // Waiting messages carry text only: their attachments would have nowhere to go yet.
  if (files.length > 0) {
    throw new AppError(
      'turn_in_progress',
      'A reply is still running. Send files once it has finished, or stop it first.',
      { status: 409 },
    );
  }
  const added = await store.addWaitingMessage({
    ...scope,
    message: {
      id: createId(),
      clientMessageId: message.clientMessageId,
      delivery: request.delivery ?? 'next-turn',
      text: message.text,
    },
    newTurnId: createId(),
    max: maxPendingMessages,
  });
  if (added.kind === 'full') {
    throw new AppError('queue_full', `At most ${maxPendingMessages} messages can wait while a turn runs.`, {
      status: 429,
      headers: { 'retry-after': '5' },
    });
  }
  // Another process stored the same key between our check and our write.
  if (added.kind === 'duplicate') alreadyAnswered();
  if (steer) return { result: { kind: 'queued', messageId: message.clientMessageId }, waits: true };
  await openTurnStream({ registry, turnId: added.message.turnId, waiting: true });
  return { result: { kind: 'stream', turnId: added.message.turnId }, waits: true };
}

/** A message sent again: its turn's stream, or for a steered one, the 202 it had. */
export async function answerRepeat(options: {
  known: KnownMessage;
  registry: StreamRegistry;
  steer: boolean;
}): Promise<SubmitResult> {
  const { known, registry } = options;
  if (options.steer || known.steered) return { kind: 'queued', messageId: known.clientMessageId };
  // After a restart, a waiting message's stream is opened again.
  if (known.waiting) await openTurnStream({ registry, turnId: known.turnId, waiting: true });
  return { kind: 'stream', turnId: known.turnId };
}

function alreadyAnswered(cause?: unknown): never {
  throw new AppError('turn_in_progress', 'This message is already being answered.', { status: 409, cause });
}
