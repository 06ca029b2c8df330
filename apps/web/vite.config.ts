import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// `npm run dev`: Vite on 5173, the API (npm start) on 5000 behind its proxy.
const api = 'http://localhost:5000';

export default defineConfig({
  plugins: [vue()],
  server: {
    port: 5173,
    proxy: {
      '/api': api,
      '/health': api,
      '/docs': api,
      '/socket.io': { target: api, ws: true },
    },
  },
  build: { outDir: 'dist', chunkSizeWarningLimit: 1500 },
});
