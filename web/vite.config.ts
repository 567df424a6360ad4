import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// useChat is built on the `ai` release that @ai-sdk/react depends on, which is not the server's:
// the page takes DefaultChatTransport and the message types from that same release.
const requireFromReact = createRequire(createRequire(import.meta.url).resolve('@ai-sdk/react'));
const aiForReact = dirname(requireFromReact.resolve('ai/package.json'));

// `npx vite web` serves the UI with hot reload against a running `npm start` on port 8787.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: { alias: [{ find: /^ai$/, replacement: aiForReact }] },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
});
