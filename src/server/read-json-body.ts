import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../util/app-error.ts';

/** Parses and validates a JSON body; malformed JSON and bad fields are 400s that say what is wrong. */
export async function readJsonBody<Schema extends z.ZodType>(
  context: Context,
  schema: Schema,
): Promise<z.infer<Schema>> {
  let text: string;
  try {
    text = await context.req.text();
  } catch (error) {
    throw unreadableBody(error);
  }
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON.', { status: 400 });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
    throw new AppError('bad_request', `Invalid request body: ${problems.join('; ')}`, { status: 400 });
  }
  return parsed.data;
}

/** The client went away mid-body, or sent a broken chunked body: its fault, not the server's. */
export function unreadableBody(cause: unknown): AppError {
  return new AppError('bad_request', 'The request body could not be read to its end.', {
    status: 400,
    cause,
  });
}
