/** What the server tells the web page about itself, embedded in index.html (no extra round trip). */
export interface WebBootstrap {
  /** False when no model is configured: the page shows `setupHint`. */
  modelConfigured: boolean;
  setupHint: string | null;
  /** Whether `delivery: "steer"` reaches the running turn (the claude runtime). */
  steer: boolean;
  /** Whether requests need a bearer token (tokens are configured). */
  authRequired: boolean;
}

/** The id of the `<script type="application/json">` element that carries the bootstrap. */
export const webBootstrapElementId = 'autopilot-bootstrap';
