// Child of gpu.bench.ts (run on a machine with an NVIDIA GPU and the CUDA
// provider library installed): tokens on CUDA must equal the CPU's on the tiny
// packs, then images/s at batch 1, 16 and 64 for the real-size random pack.
// Prints one JSON line. Usage: node --import tsx bench/gpu-measure.ts TMPDIR [--quick]
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureTinyPack } from '../src/main/ml/packs/tiny-pack.ts'
import { PackRuntime } from '../src/main/ml/pipeline/pack-runtime.ts'
import { InProcessMlService } from '../src/main/ml/pipeline/in-process-service.ts'
import type { ProviderRequest } from '../src/main/ml/runtime/providers.ts'
import { CAPTION_CASES, CAPTION_TOKENS, preparePack, round3, timeFilesToCaptions, writeImages } from './caption-cases.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const [tmp, flag] = process.argv.slice(2)
if (!tmp) throw new Error('usage: gpu-measure.ts TMPDIR [--quick]')
const quick = flag === '--quick'
const log = (t: string) => process.stderr.write(`[gpu] ${t}\n`)

function gpuMemoryUsedMiB(): { total: number | null; thisProcess: number | null } {
  const q = (args: string[]) => spawnSync('nvidia-smi', args, { encoding: 'utf8', timeout: 30_000 }).stdout ?? ''
  const total = Number(q(['--query-gpu=memory.used', '--format=csv,noheader,nounits']).split('\n')[0])
  const mine = q(['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'])
    .split('\n')
    .map((l) => l.split(',').map((s) => s.trim()))
    .find(([pid]) => Number(pid) === process.pid)
  return { total: Number.isFinite(total) ? total : null, thisProcess: mine ? Number(mine[1]) : null }
}

async function open(packDir: string, provider: ProviderRequest, batch: number): Promise<{ runtime: PackRuntime; svc: InProcessMlService }> {
  const runtime = await PackRuntime.open(packDir, { cacheDir: path.join(tmp!, 'compiled'), provider, threads: 2 })
  await runtime.warm(['clipVision', 'mapping', 'gpt2'])
  return { runtime, svc: new InProcessMlService(runtime, { vision: batch, text: 32, greedy: batch, beam: batch }) }
}

async function tokensOf(svc: InProcessMlService, images: string[]): Promise<{ greedy: number[][]; beam: number[][] }> {
  const emb = (await svc.embedImages(images)).map((e) => {
    if (!e.ok) throw new Error(e.error)
    return e.embedding
  })
  const greedy = (await svc.captionEmbeddings(emb, { method: 'greedy' })).map((c) => c.tokens)
  const beam = (await svc.captionEmbeddings(emb, { method: 'beam', beamSize: 5 })).map((c) => c.tokens)
  return { greedy, beam }
}

const samples = fs.readdirSync(path.join(ROOT, 'samples')).map((f) => path.join(ROOT, 'samples', f))
const packs: [string, string][] = [['generated tiny pack', ensureTinyPack({ dir: path.join(tmp, 'tiny') })]]
for (const v of ['mlp', 'transformer']) {
  const dir = path.join(ROOT, '..', 'shared', 'reference', 'packs', v)
  if (fs.existsSync(path.join(dir, 'pack.json'))) packs.push([`reference ${v} pack`, dir])
}
const equality: Record<string, unknown>[] = []
let provider: string | null = null
for (const [label, dir] of packs) {
  log(`${label}: CPU vs CUDA tokens`)
  const cpu = await open(dir, 'cpu', 8)
  const want = await tokensOf(cpu.svc, samples)
  await cpu.svc.close()
  const gpu = await open(dir, 'cuda', 8)
  provider = gpu.runtime.provider
  const got = await tokensOf(gpu.svc, samples)
  equality.push({
    pack: label,
    provider: gpu.runtime.provider,
    fallbackReason: gpu.runtime.providerFallbackReason,
    greedyEqual: JSON.stringify(got.greedy) === JSON.stringify(want.greedy),
    beamEqual: JSON.stringify(got.beam) === JSON.stringify(want.beam),
  })
  await gpu.svc.close()
}

const result: Record<string, unknown> = { tokensEqualCpu: equality, providerUsed: provider }
if (provider === 'cuda') {
  const batches = quick ? [1, 16] : [1, 16, 64]
  const prepared = preparePack(CAPTION_CASES[0]!, tmp)
  const images = await writeImages(path.join(tmp, 'images'), Math.max(...batches))
  const { runtime, svc } = await open(prepared.packDir, 'cuda', Math.max(...batches))
  await timeFilesToCaptions(svc, images.slice(0, 2), 'greedy', 1, 3)
  const speed: Record<string, unknown> = {}
  for (const b of batches) {
    log(`real size: greedy batch ${b}`)
    const f = await timeFilesToCaptions(svc, images.slice(0, b === 1 ? 8 : b), 'greedy', b, CAPTION_TOKENS)
    speed[String(b)] = { imagesPerSecond: round3(f.imagesPerSecond), secondsPerImage: round3(f.secondsPerImage), meanTokens: round3(f.meanTokens) }
  }
  result.realSize = {
    pack: runtime.pack.name,
    provider: runtime.provider,
    captionTokens: CAPTION_TOKENS,
    greedyByBatch: speed,
    gpuMemoryUsedMiB: gpuMemoryUsedMiB(),
  }
  await svc.close()
} else {
  result.realSize = `not measured: the CUDA provider was not used (${String(equality[0]?.fallbackReason ?? 'unknown reason')})`
}
process.stdout.write(JSON.stringify(result) + '\n')
