import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError, isAppError } from '../../util/app-error.ts';
import { unreadableBody } from '../read-json-body.ts';

const bodilessMethods = new Set(['GET', 'HEAD']);

/**
 * Refuses a JSON body over `maxBytes` with a 413, before the route reads it. A declared length is
 * judged from the header alone (Node's parser delivers no more than it declares), so the route
 * reads the body straight from the Node request: asking Hono's `bodyLimit` for `request.body`
 * built a WHATWG Request and a web stream over the body for every request, a visible share of a
 * turn's CPU under load. A body without a declared length (chunked) goes through `bodyLimit`,
 * which counts its bytes as they arrive.
 */
export function jsonBodyLimit(options: { maxBytes: number }): MiddlewareHandler {
  const tooLarge = () => {
    throw new AppError('payload_too_large', `The request body is larger than ${options.maxBytes} bytes.`, {
      status: 413,
    });
  };
  const countingLimit = bodyLimit({ maxSize: options.maxBytes, onError: tooLarge });
  // `bodyLimit` reads the whole body before the route, so a body cut off fails here.
  const readCounted: MiddlewareHandler = async (context, next) => {
    let routed = false;
    try {
      return await countingLimit(context, () => {
        routed = true;
        return next();
      });
    } catch (error) {
      if (routed || isAppError(error)) throw error;
      throw unreadableBody(error);
    }
  };
  return (context, next) => {
    if (bodilessMethods.has(context.req.method)) return next();
    const length = context.req.header('content-length');
    if (length === undefined || context.req.header('transfer-encoding') !== undefined) {
      return readCounted(context, next);
    }
    return Number.parseInt(length || '0', 10) > options.maxBytes ? tooLarge() : next();
  };
}
