import { Agent } from 'undici';

/**
 * The connection pool every model call of ours goes through (the baseline runtime's clients and
 * the utility model: our client on Anthropic, the AI SDK's `fetch` replaced on OpenAI-compatible
 * endpoints), from the undici this package pins. Without one, `request()` takes
 * the global dispatcher, a slot (`Symbol.for('undici.globalDispatcher.1')`) that Node's own copy
 * of undici shares and claims when it loads first, as it does in the server: model calls then ran
 * on whatever undici the Node version bundles, not the one pinned and audited here. Made by the
 * composition root, destroyed at shutdown once the turns have ended.
 */
export function createModelDispatcher(): Agent {
  return new Agent();
}
