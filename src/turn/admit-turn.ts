import type { LockLease } from '../coord/lock.ts';
import { type Delivery, messageRefusal } from '../protocol/index.ts';
import type { Workspaces } from '../sandbox/workspaces.ts';
import type { FileBlobs } from '../store/file-blobs.ts';
import type { FileRecord } from '../store/file-store.ts';
import type { MessageAttachment } from '../store/message-attachments.ts';
import type {
  Scope,
  SessionRecord,
  SessionStore,
  StoredMessage,
  TurnRecord,
  WaitingMessage,
} from '../store/session-store.ts';
import { AppError, badRequest, notFound } from '../util/app-error.ts';
import { NoDiskRoomError } from '../util/disk-floor.ts';
import { createId } from '../util/ids.ts';
import type { Logger } from '../util/logger.ts';
import { copyAttachments, removeAttachments } from './attach-files.ts';

export interface TurnRequest {
  ownerId: string;
  sessionId: string;
  /** With `regenerate`, used only to send again a message the session never stored. */
  text: string;
  clientMessageId?: string;
  fileIds?: string[];
  /** How the message is delivered if a turn is running; `next-turn` when absent. */
  delivery?: Delivery;
  /** Runs the last user message again instead of storing a new one. */
  regenerate?: boolean;
  /**
   * With `regenerate`: the message the client means to run again (a user message's id as listed,
   * or its turn's). Refused when newer messages came after it; sent as a new message, with `text`,
   * when the session never stored it.
   */
  regenerateOf?: string;
}

/** The same text sent again this soon is a double submit (a double click, a client retry), not a new message. */
export const repeatWindowMs = 1_000;

export function lockKeyOf(sessionId: string): string {
  return `session:${sessionId}`;
}

/** Blank, over-long and over-attached messages are refused before anything is stored. */
export function validateRequest(request: TurnRequest): void {
  if (request.regenerate) return;
  const refusal = messageRefusal({ text: request.text, fileCount: request.fileIds?.length ?? 0 });
  if (refusal) throw badRequest(refusal.code, refusal.message);
}

/** The owner's session, or not_found. */
export async function assertSessionExists(options: {
  store: SessionStore;
  scope: Scope;
}): Promise<SessionRecord> {
  const session = await options.store.getSession(options.scope);
  if (!session) throw notFound();
  return session;
}

/** A message this request repeats: stored, or still waiting, with the turn that answers it. */
export interface KnownMessage {
  clientMessageId: string;
  turnId: string;
  /** Whether it still waits for its turn (whose stream may need opening again after a restart). */
  waiting: boolean;
  /** A waiting steered message may go into the running turn: no stream of its own to answer with. */
  steered?: boolean;
}

/**
 * The message this request already sent: the same idempotency key (stored or waiting), or,
 * without a key, the same text as the previous user message within a second (a double submit).
 * Waiting messages are looked at first: one may be stored between the two reads, never the reverse.
 */
export async function findKnownMessage(options: {
  store: SessionStore;
  scope: Scope;
  request: TurnRequest;
  /** The session's waiting messages, read just before. */
  waiting: WaitingMessage[];
}): Promise<KnownMessage | null> {
  const { store, scope, request, waiting } = options;
  const key = request.clientMessageId;
  if (key) {
    const queued = waiting.find((message) => message.clientMessageId === key);
    if (queued) {
      return {
        clientMessageId: key,
        turnId: queued.turnId,
        waiting: true,
        steered: queued.delivery === 'steer',
      };
    }
    const stored = await store.findUserMessage({ ...scope, clientMessageId: key });
    return stored?.turnId ? { clientMessageId: key, turnId: stored.turnId, waiting: false } : null;
  }
  const isRepeat = (text: string, createdAt: string) =>
    text === request.text && Date.now() - Date.parse(createdAt) <= repeatWindowMs;
  const lastWaiting = waiting.at(-1);
  if (lastWaiting) {
    return isRepeat(lastWaiting.text, lastWaiting.createdAt)
      ? { clientMessageId: lastWaiting.clientMessageId, turnId: lastWaiting.turnId, waiting: true }
      : null;
  }
  const lastUser = await store.getLastUserMessage(scope);
  if (!lastUser?.turnId || !isRepeat(lastUser.content, lastUser.createdAt)) return null;
  return {
    clientMessageId: lastUser.clientMessageId ?? lastUser.id,
    turnId: lastUser.turnId,
    waiting: false,
  };
}

export interface IncomingMessage {
  text: string;
  /** The client's messageId, or a generated one: every user message has a key. */
  clientMessageId: string;
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
  /** The session's waiting messages follow `messages` and stop waiting, in the same transaction. */
  takeWaiting?: boolean;
  /** Runs the last turn's user messages again instead of storing new ones. */
  regenerate?: boolean;
  /** With `regenerate`: refused unless this message is still the last (see `SessionStore.beginTurn`). */
  regenerateOf?: string;
  attach?: TurnAttachments;
}): Promise<{ turn: TurnRecord; userMessages: StoredMessage[]; isFirstMessage: boolean }> {
  const { store, scope, turnId } = options;
  const workspaceDir = options.attach?.files.length ? await ensureWorkspace(options.attach, scope) : null;
  const attachments =
    options.attach && workspaceDir ? await copyWithinFloor({ attach: options.attach, workspaceDir }) : [];
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
        clientMessageId: message.clientMessageId,
        ...(index === 0 && attachments.length > 0 ? { metadata: { attachments } } : {}),
      })),
      takeWaiting: options.takeWaiting,
      regenerate: options.regenerate,
      regenerateOf: options.regenerateOf,
    });
    // The session's first row is a user message, so these are its first exactly when they start at 1.
    const isFirstMessage = !options.regenerate && userMessages[0]?.seq === 1;
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

/** The copies must not take the disk every workspace and the database share below its floor. */
async function copyWithinFloor(options: {
  attach: TurnAttachments;
  workspaceDir: string;
}): Promise<MessageAttachment[]> {
  const { attach, workspaceDir } = options;
  const bytes = attach.files.reduce((sum, file) => sum + file.size, 0);
  try {
    return await attach.workspaces.writeWithinFloor(bytes, () =>
      copyAttachments({ blobs: attach.blobs, workspaceDir, files: attach.files }),
    );
  } catch (error) {
    if (!(error instanceof NoDiskRoomError)) throw error;
    attach.logger.warn(
      { bytes, shortfall: error.shortfall },
      'attachments refused: the disk is below its floor',
    );
    throw new AppError(
      'service_unavailable',
      "The server's disk is nearly full, so the attached files could not be added and the message was not sent. " +
        "Try again later, or ask the server's operator to free space.",
      { status: 503, retryable: true },
    );
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
