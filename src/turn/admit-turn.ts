import type { LockLease } from '../coord/lock.ts';
import { maxFilesPerMessage, maxMessageChars } from '../protocol/index.ts';
import type { Workspaces } from '../sandbox/workspaces.ts';
import type { FileBlobs } from '../store/file-blobs.ts';
import type { FileRecord } from '../store/file-store.ts';
import type { Scope, SessionStore, StoredMessage, TurnRecord } from '../store/session-store.ts';
import { AppError, badRequest, notFound } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';
import type { Logger } from '../util/logger.ts';
import { copyAttachments, removeAttachments } from './attach-files.ts';

export interface TurnRequest {
  ownerId: string;
  sessionId: string;
  text: string;
  clientMessageId?: string;
  fileIds?: string[];
}

/** The same text sent again this soon is a double submit (a double click, a client retry), not a new message. */
export const repeatWindowMs = 1_000;

export function lockKeyOf(sessionId: string): string {
  return `session:${sessionId}`;
}

/** Blank, over-long and over-attached messages are refused before anything is stored. */
export function validateRequest(request: TurnRequest): void {
  if (request.text.trim() === '') throw badRequest('empty_prompt', 'The message is empty.');
  if (request.text.length > maxMessageChars) {
    throw badRequest('message_too_long', `The message is longer than ${maxMessageChars} characters.`);
  }
  if ((request.fileIds?.length ?? 0) > maxFilesPerMessage) {
    throw badRequest('too_many_files', `A message can carry at most ${maxFilesPerMessage} files.`);
  }
}

export async function assertSessionExists(options: { store: SessionStore; scope: Scope }): Promise<void> {
  if (!(await options.store.getSession(options.scope))) throw notFound();
}

/** The turn this request already started: same idempotency key, or the same text within a second. */
export async function findDuplicateTurn(options: {
  store: SessionStore;
  request: TurnRequest;
  /** The session's newest user message: the caller reads it once for several checks. */
  lastUser: StoredMessage | null;
}): Promise<TurnRecord | null> {
  const { store, request, lastUser } = options;
  const scope = { ownerId: request.ownerId, sessionId: request.sessionId };
  if (request.clientMessageId) {
    const existing = await store.findTurnByClientMessageId({
      ...scope,
      clientMessageId: request.clientMessageId,
    });
    if (existing) return existing;
  }
  if (!lastUser?.turnId || lastUser.content !== request.text) return null;
  if (Date.now() - Date.parse(lastUser.createdAt) > repeatWindowMs) return null;
  return store.getTurn({ ...scope, turnId: lastUser.turnId });
}

export interface IncomingMessage {
  text: string;
  clientMessageId: string | null;
}

/** Files for the turn's first message, and what copying them into the workspace needs. */
export interface TurnAttachments {
  files: FileRecord[];
  blobs: FileBlobs;
  workspaces: Workspaces;
  logger: Logger;
}

/**
 * Stores the turn's user messages (one, or several queued ones, in order) and its `running`
 * record in one transaction, under a lease the caller holds. Trailing error markers of the
 * previous turn go first. Attached files are copied into the workspace before, and the copies
 * removed again if the messages cannot be stored.
 */
export async function beginTurn(options: {
  store: SessionStore;
  scope: Scope;
  lease: LockLease;
  turnId: string;
  messages: IncomingMessage[];
  /** Whether the session had no user message before these; read here when the caller does not know. */
  isFirstMessage?: boolean;
  attach?: TurnAttachments;
}): Promise<{ turn: TurnRecord; userMessages: StoredMessage[]; isFirstMessage: boolean }> {
  const { store, scope, turnId } = options;
  const isFirstMessage = options.isFirstMessage ?? (await store.getLastUserMessage(scope)) === null;
  const workspaceDir = options.attach?.files.length ? await ensureWorkspace(options.attach, scope) : null;
  const attachments =
    options.attach && workspaceDir
      ? await copyAttachments({ blobs: options.attach.blobs, workspaceDir, files: options.attach.files })
      : [];
  try {
    const { turn, messages: userMessages } = await store.beginTurn({
      ...scope,
      turn: {
        id: turnId,
        messageId: turnId,
        clientMessageId: options.messages[0]?.clientMessageId ?? null,
        fencingToken: options.lease.fencingToken,
      },
      messages: options.messages.map((message, index) => ({
        id: createId(),
        role: 'user',
        content: message.text,
        ...(index === 0 && attachments.length > 0 ? { metadata: { attachments } } : {}),
      })),
    });
    return { turn, userMessages, isFirstMessage };
  } catch (error) {
    if (workspaceDir) {
      await removeAttachments({ workspaceDir, attachments }).catch((cleanupError: unknown) =>
        options.attach?.logger.warn(
          { err: cleanupError },
          'removing the copies of unsent attachments failed',
        ),
      );
    }
    throw error;
  }
}

async function ensureWorkspace(attach: TurnAttachments, scope: Scope): Promise<string> {
  try {
    return await attach.workspaces.ensure(scope.sessionId);
  } catch (error) {
    throw new AppError('workspace_error', 'The workspace for this conversation could not be prepared.', {
      cause: error,
      retryable: true,
      status: 500,
    });
  }
}
