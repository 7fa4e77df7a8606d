// Child process of the caption benches ([Note: caption cases] in
// caption-cases.ts): write a case's random real-size pack under ROOT (reused
// when complete) and compile it into ROOT/compiled, then print one JSON line.
// Usage: node --import tsx bench/prepare-caption-pack.ts CASE_ID ROOT [float32|int8|int4]
import fs from 'node:fs'
import path from 'node:path'
import { writeRandomPack } from '../src/main/ml/packs/random-pack.ts'
import { PackRuntime } from '../src/main/ml/pipeline/pack-runtime.ts'
import { CAPTION_CASES } from './caption-cases.ts'
import type { WeightFormat } from '../src/main/ml/graph/quantize.ts'

const [caseId, root, weightsArg = 'float32'] = process.argv.slice(2)
const weights = weightsArg as WeightFormat
const c = CAPTION_CASES.find((x) => x.id === caseId)
if (!c || !root || !['float32', 'int8', 'int4'].includes(weightsArg)) {
  process.stderr.write(`usage: prepare-caption-pack.ts CASE_ID ROOT [float32|int8|int4] (cases: ${CAPTION_CASES.map((x) => x.id).join(', ')})\n`)
  process.exit(2)
}
const packDir = path.join(root, c.id)
const cacheDir = path.join(root, 'compiled')
const t0 = performance.now()
if (!fs.existsSync(path.join(packDir, 'pack.json'))) {
  fs.rmSync(packDir, { recursive: true, force: true })
  writeRandomPack(packDir, c.spec)
}
const generateSeconds = (performance.now() - t0) / 1000
const t1 = performance.now()
const runtime = await PackRuntime.open(packDir, { cacheDir, provider: 'cpu', weights })
const compileSeconds = runtime.compiled.compiled ? (performance.now() - t1) / 1000 : 0
await runtime.close()
process.stdout.write(JSON.stringify({ packDir, cacheDir, generateSeconds, compileSeconds }) + '\n')
