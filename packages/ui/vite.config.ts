import { defineConfig } from 'vite';

// Preact's automatic JSX runtime; no framework plugin needed. The build lands in dist/, which the
// control plane serves at `/` (packages/control-plane/src/api/ui.ts).
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 200 },
  resolve: { alias: { react: 'preact/compat' } },
});
