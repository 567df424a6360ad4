import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { getToken, setToken } from './api.ts';
import { App } from './app.tsx';
import { readBootstrap } from './bootstrap.ts';
import { preventFileNavigation } from './chat/file-drop.ts';
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

preventFileNavigation(window);
createRoot(document.getElementById('root')!).render(<Root />);
