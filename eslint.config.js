// Dependency direction, enforced by lint rather than memory (ARCHITECTURE.md §4,
// STYLE.md habit 2; after VS Code's layer rules):
//   renderer -> shared only (no main, preload, Electron or Node);
//   shared is isomorphic (no main, renderer, preload, Electron or Node);
//   only src/main/index.ts, src/main/electron/** and src/preload/** import 'electron';
//   the engine and the ML engine never import a front door (bridge, cli, electron).
// Checked by src/main/bridge/dependency-direction.test.ts (it runs this config).
import tseslint from 'typescript-eslint'
import svelteParser from 'svelte-eslint-parser'

const nodeBuiltins = { group: ['node:*'], message: 'isomorphic code runs in the page too: no Node built-ins' }
const electron = { name: 'electron', message: "only src/main/index.ts, src/main/electron/** and src/preload/** may import 'electron'" }
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { paths: [electron], patterns }] })

export default [
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**', 'coverage/**', '**/*.d.ts'] },
  // This config checks layering only; other rules' directives are not its business.
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
    rules: restrict(),
  },
  {
    files: ['src/renderer/**/*.svelte'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.svelte'],
    rules: restrict(
      { group: ['**/main/**', '**/preload/**'], message: 'the renderer talks to the backend through the API table (src/shared) only' },
      nodeBuiltins,
    ),
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: restrict({ group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared depends on nothing but itself and zod' }, nodeBuiltins),
  },
  {
    files: ['src/main/engine/**/*.ts', 'src/main/ml/**/*.ts'],
    // Tests may drive the CLI end to end. Known exception, to be moved under
    // src/main/cli: ml/pipeline/cli-service.ts (the caption/embed commands' glue).
    ignores: ['src/main/**/*.test.ts', 'src/main/ml/pipeline/cli-service.ts'],
    rules: restrict({ group: ['**/bridge/**', '**/cli/**', '**/electron/**'], message: 'the engine is Electron-free and knows no front door (bridge, CLI, Electron)' }),
  },
  {
    files: ['src/main/bridge/**/*.ts', 'src/main/cli/**/*.ts'],
    ignores: ['src/main/bridge/**/*.test.ts'],
    rules: restrict({ group: ['**/electron/**'], message: 'the HTTP bridge and the CLI run without Electron' }),
  },
  {
    // The Electron adapter and its entry points: the only code that may import 'electron'.
    files: ['src/main/index.ts', 'src/main/electron/**/*.ts', 'src/preload/**/*.ts', 'e2e/electron.spec.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
]
