import type { Lock, LockLease } from '../coord/lock.ts';
import { maxFilesPerMessage, maxMessageChars } from '../protocol/index.ts';
import type { SessionStore, StoredMessage, TurnRecord } from '../store/session-store.ts';
import { AppError, badRequest, notFound } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';

export interface TurnRequest {
  ownerId: string;
  sessionId: string;
  text: string;
  clientMessageId?: string;
  fileIds?: string[];
}

export type Admission =
  | {
      kind: 'started';
      turn: TurnRecord;
      lease: LockLease;
      userMessage: StoredMessage;
      isFirstMessage: boolean;
    }
  | { kind: 'duplicate'; turn: TurnRecord };

/** The same text sent again this soon is a double submit (a double click, a client retry), not a new message. */
const repeatWindowMs = 1_000;

async function findRepeatedMessage(options: {
  store: SessionStore;
  request: TurnRequest;
}): Promise<TurnRecord | null> {
  const { store, request } = options;
  const scope = { ownerId: request.ownerId, sessionId: request.sessionId };
  const recent = await store.listMessages({ ...scope, limit: 50 });
  const lastUser = recent.findLast((message) => message.role === 'user');
  if (!lastUser?.turnId || lastUser.content !== request.text) return null;
  if (Date.now() - Date.parse(lastUser.createdAt) > repeatWindowMs) return null;
  return store.getTurn({ ...scope, turnId: lastUser.turnId });
}

export function lockKeyOf(sessionId: string): string {
  return `session:${sessionId}`;
}

/** Validates a message, takes the session's lock and stores the user message and the turn record. */
export async function admitTurn(options: {
  store: SessionStore;
  lock: Lock;
  lockTtlMs: number;
  request: TurnRequest;
}): Promise<Admission> {
  const { store, lock, request } = options;
  if (request.text.trim() === '') throw badRequest('empty_prompt', 'The message is empty.');
  if (request.text.length > maxMessageChars) {
    throw badRequest('message_too_long', `The message is longer than ${maxMessageChars} characters.`);
  }
  if ((request.fileIds?.length ?? 0) > maxFilesPerMessage) {
    throw badRequest('too_many_files', `A message can carry at most ${maxFilesPerMessage} files.`);
  }
  const scope = { ownerId: request.ownerId, sessionId: request.sessionId };
  const session = await store.getSession(scope);
  if (!session) throw notFound();

  if (request.clientMessageId) {
    const existing = await store.findTurnByClientMessageId({
      ...scope,
      clientMessageId: request.clientMessageId,
    });
    if (existing) return { kind: 'duplicate', turn: existing };
  }
  const repeated = await findRepeatedMessage({ store, request });
  if (repeated) return { kind: 'duplicate', turn: repeated };

  const turnId = createId();
  const lease = await lock.acquire({
    key: lockKeyOf(request.sessionId),
    owner: turnId,
    ttlMs: options.lockTtlMs,
  });
  if (!lease) {
    throw new AppError(
      'turn_in_progress',
      'A turn is already running in this session. Wait for it or stop it.',
      {
        status: 409,
      },
    );
  }
  try {
    await store.deleteTrailingMarkers(scope);
    const isFirstMessage = (await store.listMessages({ ...scope, limit: 1 })).length === 0;
    const userMessage = await store.appendMessage({
      ...scope,
      message: { id: createId(), role: 'user', content: request.text, turnId },
    });
    const turn = await store.createTurn({
      id: turnId,
      ...scope,
      messageId: turnId,
      clientMessageId: request.clientMessageId ?? null,
      userMessageId: userMessage.id,
      fencingToken: lease.fencingToken,
    });
    return { kind: 'started', turn, lease, userMessage, isFirstMessage };
  } catch (error) {
    await lock.release(lease);
    throw error;
  }
}
