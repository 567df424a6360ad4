/** Shown when the server has no model: how to configure one (the server's own hint). */
export function SetupBanner(props: { hint: string | null }) {
  return (
    <div className="setup-banner" role="alert">
      <strong>Set up a model to start chatting.</strong>{' '}
      {props.hint ??
        'No model is configured. Set ANTHROPIC_API_KEY, or AUTOPILOT_PROVIDER=openai-compatible with OPENAI_BASE_URL and AUTOPILOT_MODEL, then restart Autopilot.'}
    </div>
  );
}
