import { type FormEvent, useState } from 'react';
import { setToken } from './api.ts';

/** Asks for an access token when the server requires one; kept in this browser's local storage. */
export function TokenGate(props: { rejected: boolean; onToken: () => void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return;
    setToken(value.trim());
    props.onToken();
  };
  return (
    <main className="token-gate">
      <form onSubmit={submit}>
        <h1>Autopilot</h1>
        <p>This server needs an access token (one of its AUTOPILOT_API_TOKENS).</p>
        {props.rejected ? (
          <p className="notice error" role="alert">
            That token was not accepted.
          </p>
        ) : null}
        <input
          type="password"
          aria-label="Access token"
          autoComplete="current-password"
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" className="button primary">
          Continue
        </button>
      </form>
    </main>
  );
}
