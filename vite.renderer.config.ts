// A plain Vite build of the renderer for `photocap serve` (the same Svelte app
// Electron loads, served by the HTTP bridge): src/renderer -> out/renderer-web.
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

export default defineConfig({
  root: resolve(import.meta.dirname, 'src/renderer'),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer-web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
})
