// Builds the web page that `metafuse serve` serves: src/web → lib/web.
// Everything is bundled (no CDN: the page's CSP allows only 'self'), scripts are
// external files (no inline script), and assets carry content hashes so the
// server can cache them forever under /assets/.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: here,
  base: '/',
  publicDir: 'public',
  plugins: [preact({ prerender: { enabled: false }, devToolsEnabled: false })],
  build: {
    outDir: '../../lib/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // No inline polyfill script: every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // Cytoscape is one lazily loaded chunk of ~450 KB; don't warn about it.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    // `npx vite --config src/web/vite.config.ts` during development: the API comes from a running `metafuse serve`.
    proxy: { '/api': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' },
  },
});
