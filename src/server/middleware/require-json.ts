import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../util/app-error.ts';

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON routes take only `application/json` bodies (SPEC §2). A web page can send `text/plain`,
 * form-encoded or multipart bodies cross-site without a CORS preflight; it cannot send this one.
 * A request without a body and without a content type (a bare POST …/cancel) passes.
 */
export function requireJson(options: { except: (path: string) => boolean }): MiddlewareHandler {
  return async (context, next) => {
    if (!bodyMethods.has(context.req.method) || options.except(context.req.path)) return next();
    const contentType = context.req.header('content-type');
    const hasBody =
      context.req.header('transfer-encoding') !== undefined ||
      Number(context.req.header('content-length') ?? 0) > 0;
    if (contentType === undefined ? hasBody : !isJson(contentType)) {
      throw new AppError(
        'unsupported_media_type',
        'Send the request body as content-type: application/json.',
        {
          status: 415,
        },
      );
    }
    return next();
  };
}

function isJson(contentType: string): boolean {
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}
