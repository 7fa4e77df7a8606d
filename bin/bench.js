#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs the benchmarks under bench/ and writes their
// figures as JSON (bench-results/NAME.json, and all of them to stdout).
import { register } from 'tsx/esm/api'
register()
const { main } = await import('../bench/run.ts')
process.exitCode = await main(process.argv.slice(2))
