import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Docker Desktop loads the UI from files extracted out of the extension image, and the standalone
// backend serves the same files: asset paths must be relative.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'build',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npm run dev -w ui` against a standalone backend on its default address.
    proxy: { '/api': process.env.ECS_ENDPOINTS_UI_PROXY ?? 'http://127.0.0.1:8080' },
  },
});
