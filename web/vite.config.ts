import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard's build: web/ → dist/web, served by the API listener
// (src/api/dashboard-assets.ts). Everything is bundled (no CDN, no web fonts):
// the dashboard makes no request outside its own origin.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  // Hashed assets only under /assets/ (served immutable); the favicon too.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    // The chart library is most of the bundle; it is one file the browser caches for good.
    chunkSizeWarningLimit: 1200,
  },
});
