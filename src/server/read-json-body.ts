import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../util/app-error.ts';

/** Parses and validates a JSON body; malformed JSON and bad fields are 400s that say what is wrong. */
export async function readJsonBody<Schema extends z.ZodType>(
  context: Context,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const text = await context.req.text();
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
