import { type FakeModelServer, type FakeServerOptions, startModelServer } from './model-server.ts';
import { normaliseOpenAIRequest } from './openai-request.ts';
import { sendOpenAIError, sendOpenAIReply } from './openai-response.ts';

/** A fake OpenAI-compatible Chat Completions endpoint for the `openai-compatible` provider. */
export function startFakeOpenAIServer(options: FakeServerOptions = {}): Promise<FakeModelServer> {
  return startModelServer({
    ...options,
    protocol: {
      isModelCall: (call) => call.method === 'POST' && /^(\/v1)?\/chat\/completions\/?$/.test(call.path),
      normalise: normaliseOpenAIRequest,
      sendReply: sendOpenAIReply,
      sendError: sendOpenAIError,
    },
  });
}
