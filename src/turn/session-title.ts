import type { UtilityModel } from '../agent/utility-model.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';
import { recordEngineUsage } from './engine-usage.ts';
import { firstOutput } from './first-output.ts';
import type { SessionNotifier } from './session-notifier.ts';

const maxTitleChars = 50;

/**
 * Names a new session in the background: a 3–6 word title from the model, or the first words
 * of the message if the model fails. Never delays the turn; never overwrites a title. Resolves
 * to whether it named the session.
 */
export async function generateSessionTitle(options: {
  store: SessionStore;
  model: UtilityModel;
  scope: Scope;
  /** The turn it was made for: the call is charged to the user there. */
  turnId: string;
  text: string;
  logger: Logger;
}): Promise<boolean> {
  let title: string;
  try {
    const result = await options.model.title({ text: options.text });
    await recordEngineUsage({ ...options, call: result });
    title = cleanTitle(result.text) || fallbackTitle(options.text);
  } catch (error) {
    options.logger.warn({ err: error }, 'title generation failed; using the first words');
    title = fallbackTitle(options.text);
  }
  try {
    return await options.store.setTitleIfEmpty({ ...options.scope, title });
  } catch (error) {
    options.logger.warn({ err: error }, 'storing the session title failed');
    return false;
  }
}

/**
 * Names a new session once its first turn has shown output (the title request must not compete
 * with the first token; a failed wait still names it), then tells the session's viewers.
 */
export async function titleAfterFirstOutput(
  options: Parameters<typeof generateSessionTitle>[0] & {
    registry: StreamRegistry;
    notifier: SessionNotifier;
    /** Aborted at shutdown: the wait ends, and the session is named at once. */
    signal: AbortSignal;
  },
): Promise<void> {
  await firstOutput({ registry: options.registry, streamId: options.turnId, signal: options.signal }).catch(
    () => undefined,
  );
  if (await generateSessionTitle(options)) await options.notifier.changed(options.scope);
}

/**
 * Names, one at a time, the sessions a crash left untitled (their first turn ended before its
 * title was stored), newest first; run at start-up. Resolves to how many it named.
 */
export async function nameUntitledSessions(options: {
  store: SessionStore;
  model: UtilityModel;
  notifier: SessionNotifier;
  logger: Logger;
  limit: number;
}): Promise<number> {
  let named = 0;
  for (const untitled of await options.store.listUntitledSessions({ limit: options.limit })) {
    const logger = options.logger.child({ session: untitled.scope.sessionId });
    if (await generateSessionTitle({ ...options, ...untitled, logger })) {
      named += 1;
      await options.notifier.changed(untitled.scope);
    }
  }
  return named;
}

export function cleanTitle(raw: string): string {
  const title = raw
    .trim()
    .split('\n')[0]!
    // Models often answer in Markdown: a heading, bold, a "Title:" label, a trailing colon.
    .replace(/^#{1,6}\s+/, '')
    .replace(/\*\*/g, '')
    .replace(/^title:\s*/i, '')
    .replace(/^["'`\s]+|["'`.:\s]+$/g, '')
    .trim();
  // Count code points, not UTF-16 units, so an emoji is never cut in half.
  const characters = Array.from(title);
  return characters.length > maxTitleChars ? `${characters.slice(0, maxTitleChars - 3).join('')}...` : title;
}

export function fallbackTitle(text: string): string {
  return cleanTitle(text.split(/\s+/).filter(Boolean).slice(0, 6).join(' ')) || 'New conversation';
}
