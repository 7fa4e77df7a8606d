// electron-vite build of the desktop app, laid out as electron-vite's Svelte-TS
// template (src/main, src/preload, src/renderer -> out/main, out/preload,
// out/renderer), with two differences the security model needs:
//   - the preload is sandboxed, so it is one self-contained CommonJS file
//     (a sandboxed preload can require nothing but 'electron');
//   - the main build has two more entries, the ML and the training utility processes.
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

const root = import.meta.dirname

export default defineConfig({
  main: {
    build: {
      // Native and large packages (better-sqlite3, sharp, onnxruntime-node) stay
      // in node_modules, unpacked from the asar (electron-builder.yml).
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          'ml-worker': resolve(root, 'src/main/electron/ml-worker-entry.ts'),
          'training-child': resolve(root, 'src/main/electron/training-child-entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [svelte()],
    build: {
      rollupOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
})
