import { z } from 'zod';
import { AppError } from '../util/app-error.ts';

/** The position after the last session of a page, in listSessions' (updatedAt desc, id desc) order. */
export interface SessionCursor {
  updatedAt: string;
  id: string;
}

const sessionCursorSchema = z.object({ updatedAt: z.string(), id: z.string() });

/** Opaque to clients: they must send it back unchanged. */
export function encodeSessionCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify({ updatedAt: cursor.updatedAt, id: cursor.id })).toString('base64url');
}

/** Throws a `bad_request` AppError when the text is not a cursor this module made. */
export function decodeSessionCursor(text: string): SessionCursor {
  try {
    return sessionCursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch (error) {
    throw new AppError('bad_request', 'Invalid cursor.', { status: 400, cause: error });
  }
}
