// Layers as an allow-list, enforced by lint rather than memory (after VS Code's
// layer rules): each layer names what it may import, and anything else fails.
// See docs/ARCHITECTURE.md for what each layer is for.
//
//   shared     the API table and the types both processes use (isomorphic: no Node, no Electron)
//   renderer   the Svelte interface: talks to the backend through the API table only
//   preload    Electron's bridge between the page and the main process
//   ml         the ML engine (graphs, models, tokenizers, packs, runtime): depends only on shared's constants
//   engine     the library engine (database, jobs, scan, search, export, training): uses the ML engine
//   app        the application layer every door shares: composition root and the API's handlers
//   bridge     the HTTP/WebSocket door: translates requests for the app layer
//   cli        the command line: commands over the engine facade and the app layer
//   electron   the Electron door: IPC, protocols and utility processes around the app layer
//
// Tests (*.test.ts, test-support, testing/) may import any layer: they drive the
// doors end to end. Only the Electron door, the preload and src/main/index.ts
// import 'electron'. Checked by src/main/bridge/dependency-direction.test.ts,
// which also plants an upward import and sees it fail.
import path from 'node:path'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import tseslint from 'typescript-eslint'
import svelteParser from 'svelte-eslint-parser'

const root = path.dirname(fileURLToPath(import.meta.url))

/** Layer by folder (longest prefix first), with the layers it may import besides itself. */
const layers = [
  { name: 'main-entry', dir: 'src/main/index.ts', may: ['electron'], electron: true },
  { name: 'shared', dir: 'src/shared', may: [], isomorphic: true },
  { name: 'renderer', dir: 'src/renderer', may: ['shared'], isomorphic: true },
  { name: 'preload', dir: 'src/preload', may: ['shared'], electron: true },
  { name: 'ml', dir: 'src/main/ml', may: ['shared'] },
  { name: 'engine', dir: 'src/main/engine', may: ['ml', 'shared'] },
  { name: 'app', dir: 'src/main/app', may: ['engine', 'ml', 'shared'] },
  { name: 'bridge', dir: 'src/main/bridge', may: ['app', 'shared'] },
  { name: 'cli', dir: 'src/main/cli', may: ['app', 'bridge', 'engine', 'ml', 'shared'] },
  { name: 'electron', dir: 'src/main/electron', may: ['app', 'engine', 'ml', 'shared'], electron: true },
]

const posix = (p) => p.split(path.sep).join('/')
function layerOf(file) {
  const rel = posix(path.relative(root, file))
  return layers.find((l) => rel === l.dir || rel.startsWith(l.dir + '/')) ?? null
}
const isTest = (file) => /\.test\.ts$|\.spec\.ts$|test-support\.ts$|[\\/]testing[\\/]/.test(file)
const nodeBuiltins = new Set(builtinModules)
const allowed = (l) => [l.name, ...l.may].join(', ')

const allowedImports = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const file = context.filename
    // outside the layers (e2e, benches, test helpers) only the Electron rule applies
    const from = layerOf(file) ?? { name: 'tooling', dir: posix(path.relative(root, file)), may: null, electron: posix(file).endsWith('e2e/electron.spec.ts') }
    const test = isTest(file)
    const check = (node, source) => {
      if (typeof source !== 'string') return
      if (source === 'electron' || source.startsWith('electron/')) {
        if (!from.electron)
          context.report({
            node,
            message: `${from.dir} may not import 'electron': only src/main/electron, src/preload and src/main/index.ts do (the engine, the app layer and the other doors run under plain Node)`,
          })
        return
      }
      if (from.may === null) return
      if (from.isomorphic && (source.startsWith('node:') || nodeBuiltins.has(source.split('/')[0]))) {
        context.report({ node, message: `${from.dir} is isomorphic (it runs in the page too): no Node built-ins ('${source}')` })
        return
      }
      if (!source.startsWith('.') || test) return
      const target = path.resolve(path.dirname(file), source)
      const to = layerOf(target)
      if (to === null) {
        if (posix(path.relative(root, target)).startsWith('src/')) return
        context.report({
          node,
          message: `${from.dir} may not import ${posix(path.relative(root, target))}: code outside src/ (test helpers, benches) is not part of the app`,
        })
        return
      }
      if (to.name === from.name || from.may.includes(to.name)) return
      context.report({ node, message: `layer ${from.name} (${from.dir}) may import ${allowed(from)}; not ${to.name} (${source})` })
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    }
  },
}

export default [
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**', 'coverage/**', '**/*.d.ts'] },
  // This config checks layering (and promises) only; other rules' directives are not its business.
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
    plugins: { layers: { rules: { 'allowed-imports': allowedImports } } },
    rules: { 'layers/allowed-imports': 'error' },
  },
  {
    // A promise nobody awaits loses its error (an unhandled rejection) and its
    // ordering; `void` marks the ones started on purpose. Type-aware, so it
    // sees through helpers that return promises.
    files: ['src/**/*.ts', 'e2e/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    files: ['src/renderer/**/*.svelte'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    plugins: { layers: { rules: { 'allowed-imports': allowedImports } } },
    rules: { 'layers/allowed-imports': 'error' },
  },
]
