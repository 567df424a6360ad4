import type { UtilityModel } from '../agent/utility-model.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';
import { recordEngineUsage } from './engine-usage.ts';

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

export function cleanTitle(raw: string): string {
  const title = raw
    .trim()
    .split('\n')[0]!
    .replace(/^["'`\s]+|["'`.\s]+$/g, '')
    .trim();
  // Count code points, not UTF-16 units, so an emoji is never cut in half.
  const characters = Array.from(title);
  return characters.length > maxTitleChars ? `${characters.slice(0, maxTitleChars - 3).join('')}...` : title;
}

export function fallbackTitle(text: string): string {
  return cleanTitle(text.split(/\s+/).filter(Boolean).slice(0, 6).join(' ')) || 'New conversation';
}
