import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The console's folder, whatever the working folder `vite` is started from. */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the same build is served at `/` (embedded runtime) and at `/api/console/` (Azure).
  base: './',
  // Vite 8 transforms TSX with oxc: Preact's automatic JSX runtime, as console/tsconfig.json declares it.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    // Only dist/console is emptied: the backend's compiled output lives beside it in dist/.
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:7071' },
  },
});
