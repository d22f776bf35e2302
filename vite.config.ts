import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Cross-origin isolation lets onnxruntime-web's WASM backend use threads
 * (SharedArrayBuffer needs COOP + COEP). Both the dev and the preview server send them.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: 'app',
  publicDir: '../public',
  plugins: [react()],
  server: { port: 5173, strictPort: true, headers: isolationHeaders },
  preview: { port: 4173, strictPort: true, headers: isolationHeaders },
  build: { outDir: '../dist/app', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
  // Pre-bundle what the workers import too, so their first use does not make Vite re-optimise
  // dependencies and reload the page.
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    include: ['@bufbuild/protobuf', '@bufbuild/protobuf/wire', '@bufbuild/protobuf/codegenv2', 'zod', 'idb-keyval', 'elkjs/lib/elk.bundled.js'],
  },
});
