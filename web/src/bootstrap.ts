import { type WebBootstrap, webBootstrapElementId } from '../../src/protocol/index.ts';

const fallback: WebBootstrap = { modelConfigured: true, setupHint: null, steer: false, authRequired: false };

/** The server embeds this in index.html; the Vite dev server does not, hence the fallback. */
export function readBootstrap(): WebBootstrap {
  const element = document.getElementById(webBootstrapElementId);
  if (!element?.textContent) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(element.textContent) as Partial<WebBootstrap>) };
  } catch {
    return fallback;
  }
}
