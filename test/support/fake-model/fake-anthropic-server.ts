import { normaliseAnthropicRequest } from './anthropic-request.ts';
import { sendAnthropicError, sendAnthropicReply } from './anthropic-response.ts';
import { estimateTokens } from './json-values.ts';
import { type FakeModelServer, type FakeServerOptions, sendJson, startModelServer } from './model-server.ts';

/**
 * A fake Anthropic Messages API. Serves `/v1/messages` (the Claude Code CLI,
 * with `?beta=true`) and `/messages` (@ai-sdk/anthropic given a base URL
 * without `/v1`), plus `count_tokens`; every other path answers 200 `{}`.
 */
export function startFakeAnthropicServer(options: FakeServerOptions = {}): Promise<FakeModelServer> {
  return startModelServer({
    ...options,
    protocol: {
      isModelCall: (call) => call.method === 'POST' && /^(\/v1)?\/messages\/?$/.test(call.path),
      normalise: normaliseAnthropicRequest,
      sendReply: sendAnthropicReply,
      sendError: sendAnthropicError,
      sendOther({ call, response }) {
        if (!/^(\/v1)?\/messages\/count_tokens\/?$/.test(call.path)) return false;
        const { allText } = normaliseAnthropicRequest(call);
        sendJson(response, 200, { input_tokens: estimateTokens(allText) });
        return true;
      },
    },
  });
}
