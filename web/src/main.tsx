import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { readBootstrap } from './bootstrap.ts';
import './styles.css';

createRoot(document.getElementById('root')!).render(<App bootstrap={readBootstrap()} />);
