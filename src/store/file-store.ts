import type { Scope } from './session-store.ts';

/** An uploaded file's record; its bytes are kept by `FileBlobs` under `storageKey`. */
export interface FileRecord {
  id: string;
  ownerId: string;
  /** The session it was uploaded for, or null for a file of the owner's own. */
  sessionId: string | null;
  /** The sanitised display name (never used as a path). */
  name: string;
  mediaType: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  storageKey: string;
  createdAt: string;
}

export type NewFile = Omit<FileRecord, 'createdAt'>;

/**
 * Records of uploaded files. Every method is scoped by owner: another owner's file behaves
 * exactly like one that does not exist.
 */
export interface FileStore {
  /** Throws not_found when `sessionId` is set and is not a session of the owner; nothing is stored then. */
  createFile(file: NewFile): Promise<FileRecord>;
  /** Null when there is no such file, or it is another owner's. */
  getFile(options: { ownerId: string; fileId: string }): Promise<FileRecord | null>;
  /** The storage keys of the files of the session, so their bytes can go before their records. */
  sessionStorageKeys(scope: Scope): Promise<string[]>;
  /**
   * Deletes the records of the files uploaded for the session (before the session goes) and returns
   * their storage keys, so the caller can remove the bytes.
   */
  deleteSessionFiles(scope: Scope): Promise<string[]>;
  /**
   * Binds the owner's files among `fileIds` that were uploaded for no session to this session, so
   * they are deleted with it. Files already bound, and other owners' files, are left as they are.
   */
  bindToSession(options: Scope & { fileIds: string[] }): Promise<void>;
  /**
   * Deletes the records of files uploaded for no session before `createdBefore` (an ISO time) and
   * never sent (a file sent is bound to its session), and returns their storage keys.
   */
  deleteUnboundFiles(options: { createdBefore: string }): Promise<string[]>;
}
