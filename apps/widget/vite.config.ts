import { defineConfig } from 'vite';

// One classic script (an IIFE), as host pages embed it with a plain <script async>: no module
// loader, no chunks, no CSS file (the styles travel inside the script, into the Shadow DOM).
export default defineConfig({
  build: {
    lib: { entry: 'src/main.ts', formats: ['iife'], name: 'HummDeskWidget', fileName: () => 'widget.js' },
    outDir: 'dist',
    // Browsers of the last few years, which the visitors of a company's site still use.
    target: 'es2020',
    sourcemap: false,
  },
});
