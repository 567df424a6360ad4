import type {
  Delivery,
  SessionStatus,
  ToolPermissions,
  ToolPermissionsChange,
  TurnStatus,
  Usage,
} from '../protocol/index.ts';

export interface UserRecord {
  id: string;
  name: string;
}

export interface SessionRecord {
  id: string;
  ownerId: string;
  title: string | null;
  /** Which tools its agent gets; `{allow: null, deny: []}` is every tool. */
  permissions: ToolPermissions;
  /** Derived from the session's turns: `running` while a turn runs. */
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
}

/**
 * One stored conversation row. Rows are append-only and ordered by `seq` within a session.
 * - `user`: the user's text in `content`.
 * - `assistant`: either a completed text block (`content`) or one tool call (`toolCall`).
 * - `tool`: the result of the tool call `toolCallId`; `content` is the JSON-encoded output.
 * - `marker`: an error or system line (`metadata.marker`), shown on reload, never sent to the model.
 */
export type MessageRole = 'user' | 'assistant' | 'reasoning' | 'tool' | 'marker';

export interface ToolCallRecord {
  id: string;
  name: string;
  input: unknown;
}

export interface StoredMessage {
  id: string;
  sessionId: string;
  /** 1 for the session's first row, then one more per row; never reused, even after a delete. */
  seq: number;
  role: MessageRole;
  turnId: string | null;
  /** Index of the model call (step) within the turn that produced this row. */
  step: number | null;
  content: string;
  toolCall: ToolCallRecord | null;
  toolCallId: string | null;
  metadata: Record<string, unknown>;
  /** A user message's idempotency key (the client's messageId, or its own id); unique per session. */
  clientMessageId?: string | null;
  createdAt: string;
}

export type NewMessage = Pick<StoredMessage, 'id' | 'role' | 'content'> &
  Partial<
    Pick<StoredMessage, 'turnId' | 'step' | 'toolCall' | 'toolCallId' | 'metadata' | 'clientMessageId'>
  >;

export type { TurnStatus };

/**
 * A message sent while its session's turn runs. It is not part of the conversation yet: a turn
 * stores it when it takes it (the next turn, or the running one for a steered message).
 */
export interface WaitingMessage {
  id: string;
  sessionId: string;
  ownerId: string;
  clientMessageId: string;
  /** The turn that will answer it; every waiting message of a session has the same one. */
  turnId: string;
  delivery: Delivery;
  text: string;
  /** The running turn that took this steered message and will store it; null while it waits. */
  claimedBy: string | null;
  createdAt: string;
}

export type NewWaitingMessage = Pick<WaitingMessage, 'id' | 'clientMessageId' | 'delivery' | 'text'>;

export interface TurnRecord {
  id: string;
  sessionId: string;
  ownerId: string;
  status: TurnStatus;
  /** The id of the assistant UIMessage this turn streams (the `start` chunk's messageId). */
  messageId: string;
  /** The client's idempotency key, when it sent one. */
  clientMessageId: string | null;
  userMessageId: string;
  errorCode: string | null;
  fencingToken: number;
  startedAt: string;
  endedAt: string | null;
}

export type NewTurn = Pick<
  TurnRecord,
  'id' | 'sessionId' | 'ownerId' | 'messageId' | 'clientMessageId' | 'userMessageId' | 'fencingToken'
>;

export interface Scope {
  ownerId: string;
  sessionId: string;
}

/** `beginTurn` found a user message's clientMessageId already in its session; nothing was stored. */
export class DuplicateMessageKeyError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The session already holds a message with this messageId.', options);
    this.name = 'DuplicateMessageKeyError';
  }
}

/**
 * Durable conversations. Every method is scoped by owner: a session of another owner behaves
 * exactly like one that does not exist.
 */
export interface SessionStore {
  ensureUser(user: UserRecord): Promise<void>;

  createSession(options: { ownerId: string; title?: string | null }): Promise<SessionRecord>;
  getSession(scope: Scope): Promise<SessionRecord | null>;
  /** Newest first (by updatedAt, then id). `cursor` is the opaque `nextCursor` of the previous page. */
  listSessions(options: {
    ownerId: string;
    limit: number;
    cursor?: string;
  }): Promise<{ sessions: SessionRecord[]; nextCursor: string | null }>;
  /** Returns null when the session does not exist for this owner. */
  renameSession(options: Scope & { title: string }): Promise<SessionRecord | null>;
  /**
   * Changes the session's tool permissions: each list given replaces the stored one, a list left
   * out stays. Null when it is not the owner's session.
   */
  setSessionPermissions(
    options: Scope & { permissions: ToolPermissionsChange },
  ): Promise<SessionRecord | null>;
  /** Sets the title only if it is still empty; returns whether it did. */
  setTitleIfEmpty(options: Scope & { title: string }): Promise<boolean>;
  /**
   * Untitled sessions that hold a user message and run no turn, newest first, each with its
   * first user message and that message's turn: left so by a crash before the title was stored.
   */
  listUntitledSessions(options: { limit: number }): Promise<{ scope: Scope; turnId: string; text: string }[]>;
  /** Deletes the session with its messages, turns, usage, transcripts and file records. */
  deleteSession(scope: Scope): Promise<boolean>;

  /** Appends one row with the next `seq`, and touches the session's updatedAt. */
  appendMessage(options: Scope & { message: NewMessage }): Promise<StoredMessage>;
  /** Ordered by seq ascending. With `beforeSeq`, only rows before it; with `limit`, the last `limit` of those. */
  listMessages(options: Scope & { limit?: number; beforeSeq?: number }): Promise<StoredMessage[]>;
  /** The session's newest `user` row, or null when it has none. */
  getLastUserMessage(scope: Scope): Promise<StoredMessage | null>;
  /**
   * Removes error marker rows at the end of the session (after its last non-marker row); a system
   * marker there (a stop) stays. Returns how many were removed.
   */
  deleteTrailingMarkers(scope: Scope): Promise<number>;
  /** The stored user message with this idempotency key, if any. */
  findUserMessage(options: Scope & { clientMessageId: string }): Promise<StoredMessage | null>;

  /**
   * Adds a waiting message at the end of the session's queue. Its turn is the queue's turn, or
   * `newTurnId` when the queue is empty. Refused (`full`) when `max` already wait, and
   * (`duplicate`) when its clientMessageId is already stored or waiting. Throws not_found for a
   * session the owner does not have.
   */
  addWaitingMessage(
    options: Scope & { message: NewWaitingMessage; newTurnId: string; max: number },
  ): Promise<
    { kind: 'added'; message: WaitingMessage } | { kind: 'full'; count: number } | { kind: 'duplicate' }
  >;
  /** Oldest first. */
  listWaitingMessages(scope: Scope): Promise<WaitingMessage[]>;
  /**
   * Removes and returns (oldest first) the waiting messages, except those claimed by `keepClaimedBy`
   * (a running turn that will store them). The kept ones move to the turn `keptTurnId`: the turn
   * they waited for loses its other messages, and its stream is ended.
   */
  takeWaitingMessages(
    options: Scope & { keepClaimedBy: string | null; keptTurnId: string },
  ): Promise<WaitingMessage[]>;
  /** Marks the unclaimed steered messages as taken by the running turn `turnId` and returns them, oldest first. */
  claimSteeredMessages(options: Scope & { turnId: string }): Promise<WaitingMessage[]>;
  /**
   * In one transaction: the messages `ids` claimed by `turnId` stop waiting and are appended as
   * user rows of that turn (at `step`), in order. Returns the rows stored.
   */
  deliverWaitingMessages(
    options: Scope & { turnId: string; step: number; ids: string[] },
  ): Promise<StoredMessage[]>;
  /** Every session with waiting messages: used to start their turns after a restart or a failed start. */
  listSessionsWithWaiting(): Promise<Scope[]>;

  /**
   * Starts a turn in one transaction: removes trailing markers, appends the user messages (in order,
   * with the next seqs, turnId set to the turn's id), and inserts the `running` turn record whose
   * userMessageId is the first of them. With `takeWaiting`, every waiting message of the session
   * follows `messages`, in order, and stops waiting. Nothing is stored if any part fails, and a turn
   * without any user message is refused. A clientMessageId the session already holds fails with
   * `DuplicateMessageKeyError` (admission's answer to a repeated send). Throws not_found for a
   * session the owner does not have.
   *
   * With `regenerate`, no message is added: the user messages of the session's last turn become
   * this turn's, and every other row after the first of them (the answer, markers) is marked
   * superseded by this turn (kept, never listed again). Throws bad_request when there is no user
   * message to run again. With `regenerateOf` too, nothing is stored and it throws 409
   * `message_not_last` unless `regenerateOf` names one of those user messages (by clientMessageId)
   * or the turn they belong to: a client's retry of a failed message must not run a newer
   * one that another client sent meanwhile.
   */
  beginTurn(
    options: Scope & {
      turn: Omit<NewTurn, 'sessionId' | 'ownerId' | 'userMessageId'>;
      messages: NewMessage[];
      takeWaiting?: boolean;
      regenerate?: boolean;
      regenerateOf?: string;
    },
  ): Promise<{ turn: TurnRecord; messages: StoredMessage[] }>;
  createTurn(turn: NewTurn): Promise<TurnRecord>;
  getTurn(options: Scope & { turnId: string }): Promise<TurnRecord | null>;
  findTurnByClientMessageId(options: Scope & { clientMessageId: string }): Promise<TurnRecord | null>;
  /** The running turn of the session, if any. */
  getActiveTurn(scope: Scope): Promise<TurnRecord | null>;
  /**
   * Compare-and-set from `running` to a terminal status; returns false if the turn was not running.
   * With `usage`, the turn's usage is recorded (as `recordUsage` would, under the turn's session and
   * owner) atomically with the status, and only if this call ended the turn.
   */
  endTurn(options: {
    turnId: string;
    status: Exclude<TurnStatus, 'running'>;
    errorCode?: string | null;
    usage?: { model: string; usage: Usage };
  }): Promise<boolean>;
  /** Every running turn of every owner: used at start-up to mark orphans as interrupted. */
  listRunningTurns(): Promise<TurnRecord[]>;
  /** The turns with these ids, in no particular order. */
  listTurns(options: Scope & { turnIds: string[] }): Promise<TurnRecord[]>;

  /**
   * One usage row. Refused (not_found) for a session another owner holds; a session that no longer
   * exists is still charged (a call made for it may answer after its deletion).
   */
  recordUsage(options: Scope & { turnId: string; model: string; usage: Usage }): Promise<void>;
  getSessionUsage(scope: Scope): Promise<Usage>;
  /** Usage recorded for each of these turns, summed per turn; turns without any are absent. */
  getTurnUsage(options: Scope & { turnIds: string[] }): Promise<Map<string, Usage>>;
  /** Sums of everything the owner used since `since` (ISO time), deleted sessions included. */
  getOwnerUsage(options: { ownerId: string; since: string }): Promise<Usage>;

  close(): Promise<void>;
}
