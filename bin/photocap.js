#!/usr/bin/env node
// The `photocap` command. It runs the TypeScript sources through tsx so that the
// CLI, the engine and the ML worker are the same code in development and use.
//
// `npm run photocap -- ARGS` runs scripts in the package root; relative paths the
// user typed are relative to where they ran npm (INIT_CWD), so go back there first.
import { register } from 'tsx/esm/api'
if (process.env.npm_lifecycle_event === 'photocap' && process.env.INIT_CWD) {
  process.chdir(process.env.INIT_CWD)
}
register()
const { main } = await import('../src/main/cli/index.ts')
process.exitCode = await main(process.argv.slice(2))
