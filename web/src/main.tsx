import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { getToken, setToken } from './api.ts';
import { App } from './app.tsx';
import { readBootstrap } from './bootstrap.ts';
import { preventFileNavigation } from './chat/file-drop.ts';
import { ErrorBoundary } from './error-boundary.tsx';
import './styles.css';
import { TokenGate } from './token-gate.tsx';

const bootstrap = readBootstrap();

function Root() {
  const [state, setState] = useState<'ready' | 'ask' | 'rejected'>(
    bootstrap.authRequired && !getToken() ? 'ask' : 'ready',
  );
  if (state !== 'ready')
    return <TokenGate rejected={state === 'rejected'} onToken={() => setState('ready')} />;
  return (
    <App
      bootstrap={bootstrap}
      onUnauthorized={() => {
        setToken(null);
        setState('rejected');
      }}
    />
  );
}

/** What is left when the app itself failed to render: a way back that does not need it. */
function AppFailed() {
  return (
    <main className="app-failed" role="alert">
      <p>Something went wrong showing this page.</p>
      <p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>{' '}
        <a href="/">Start a new chat</a>
      </p>
    </main>
  );
}

preventFileNavigation(window);
createRoot(document.getElementById('root')!).render(
  <ErrorBoundary label="The app" fallback={<AppFailed />}>
    <Root />
  </ErrorBoundary>,
);
