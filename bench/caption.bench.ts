// Captioning speed at real size with random weights (issue 2 "Proof"):
// ViT-B/32 CLIP, GPT-2 124M, transformer mapping with 8 layers and prefix 10
// and 40; and the paper's RN50x4 model (CLIP RN50x4, prefix 40, frozen GPT-2,
// `rn50x4Prefix40`). Figures: images/s end to end (files -> embeddings -> captions) for
// greedy and beam 5 at batch 1 and at the best batch size, compile time,
// session load time, peak RSS. Goal on a 2-core CPU: >= 4 images/s greedy,
// >= 1.5 images/s beam 5.
//
// Random weights make GPT-2 ramble: every caption runs to the paper's 67-token
// cap (real ClipCap captions stop at "." after ~10-15 tokens). The main figures
// are therefore a worst case; `typical` repeats them with captions capped at 15
// tokens, the length real captions have, and says so.
//
// --quick: the generated tiny pack, 2 images, batch 1 and 2 only.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { median, type BenchContext } from './run.ts'
import { realSizeRn50x4Spec, realSizeSpec, writeRandomPack } from '../src/main/ml/packs/random-pack.ts'
import { ensureTinyPack } from '../src/main/ml/packs/tiny-pack.ts'
import { PackRuntime } from '../src/main/ml/pipeline/pack-runtime.ts'
import { InProcessMlService, type BatchSizes } from '../src/main/ml/pipeline/in-process-service.ts'

export const name = 'caption'

const THREADS = Math.min(2, os.cpus().length)

function rssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

async function writeImages(dir: string, n: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true })
  const files: string[] = []
  for (let i = 0; i < n; i++) {
    const w = 640
    const h = 480
    const raw = Buffer.alloc(w * h * 3)
    for (let p = 0; p < w * h; p++) {
      raw[p * 3] = (p * (i + 3)) % 251
      raw[p * 3 + 1] = ((p >> 7) * (i + 1)) % 241
      raw[p * 3 + 2] = (p % w) ^ (i * 37)
    }
    const file = path.join(dir, `img-${i}.jpg`)
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(file)
    files.push(file)
  }
  return files
}

/** A real-size pack; the CLIP and GPT-2 files of the first are hard-linked into the others. */
function makePack(root: string, prefix: number, shared: string | null): string {
  const spec = realSizeSpec({ type: 'transformer', prefixLength: prefix, clipLength: prefix, numLayers: 8, normalizePrefix: true })
  const dir = path.join(root, `pack-p${prefix}`)
  if (!shared) {
    writeRandomPack(dir, spec)
    return dir
  }
  const tmp = path.join(root, `tmp-p${prefix}`)
  writeRandomPack(tmp, { ...spec, clip: { ...spec.clip, vision: { ...spec.clip.vision, layers: 1 }, text: { ...spec.clip.text, layers: 1 } }, gpt2: { ...spec.gpt2, nLayer: 1 } })
  fs.cpSync(shared, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}mapping`) })
  fs.rmSync(path.join(dir, 'mapping'), { recursive: true, force: true })
  fs.cpSync(path.join(tmp, 'mapping'), path.join(dir, 'mapping'), { recursive: true })
  fs.copyFileSync(path.join(tmp, 'pack.json'), path.join(dir, 'pack.json'))
  fs.rmSync(tmp, { recursive: true, force: true })
  return dir
}

interface RunFigures {
  batch: number
  imagesPerSecond: number
  secondsPerImage: number
  meanTokens: number
}

async function timeEndToEnd(svc: InProcessMlService, images: string[], method: 'greedy' | 'beam', batch: number, maxTokens: number, repeats: number): Promise<RunFigures> {
  const times: number[] = []
  let tokens = 0
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now()
    for (let s = 0; s < images.length; s += batch) {
      const chunk = images.slice(s, s + batch)
      const emb = await svc.embedImages(chunk)
      const vectors = emb.map((e) => {
        if (!e.ok) throw new Error(e.error)
        return e.embedding
      })
      const caps = await svc.captionEmbeddings(vectors, { method, beamSize: 5, maxTokens })
      tokens += caps.reduce((a, c) => a + c.tokens.length, 0)
    }
    times.push((performance.now() - t0) / 1000)
  }
  const sec = median(times)
  return { batch, imagesPerSecond: images.length / sec, secondsPerImage: sec / images.length, meanTokens: tokens / (images.length * repeats) }
}

async function measurePack(ctx: BenchContext, packDir: string, images: string[], batches: { greedy: number[]; beam: number[] }, maxTokens: number[], repeats: number): Promise<Record<string, unknown>> {
  const cacheDir = path.join(ctx.tmpDir, 'compiled')
  const t0 = performance.now()
  const runtime = await PackRuntime.open(packDir, { cacheDir, provider: 'cpu', threads: THREADS, log: ctx.log })
  const openSeconds = (performance.now() - t0) / 1000
  const t1 = performance.now()
  await runtime.warm()
  const sessionLoadSeconds = (performance.now() - t1) / 1000
  const maxB = Math.max(...batches.greedy, ...batches.beam)
  const sizes: BatchSizes = { vision: maxB, text: 32, greedy: maxB, beam: maxB }
  const svc = new InProcessMlService(runtime, sizes)
  const figures: Record<string, unknown> = {
    pack: runtime.pack.name,
    compileSeconds: runtime.timings.compileSeconds,
    openSecondsIncludingHashAndCompile: openSeconds,
    sessionLoadSeconds,
    sessionLoadSecondsByModel: runtime.timings.sessionSeconds,
  }
  // Warm-up: first runs allocate ORT arenas.
  await timeEndToEnd(svc, images.slice(0, 1), 'greedy', 1, 3, 1)
  for (const cap of maxTokens) {
    const key = cap === 67 ? 'worstCase67Tokens' : `typical${cap}Tokens`
    const out: Record<string, unknown> = {}
    for (const method of ['greedy', 'beam'] as const) {
      const runs: RunFigures[] = []
      for (const b of method === 'greedy' ? batches.greedy : batches.beam) {
        ctx.log(`${runtime.pack.name} ${method} batch ${b} max ${cap} tokens`)
        runs.push(await timeEndToEnd(svc, images, method, b, cap, repeats))
      }
      const best = runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a))
      out[method] = { batch1: runs.find((r) => r.batch === 1) ?? null, best, all: runs }
    }
    figures[key] = out
  }
  figures.peakRssMiB = rssMiB()
  await svc.close()
  return figures
}

/**
 * The paper's third model at real size with random weights: CLIP RN50x4 (288 px
 * ModifiedResNet, 640-d embeddings), the transformer mapping with prefix 40 and
 * 8 layers, frozen GPT-2 124M; greedy and beam 5 at captions capped at 15
 * tokens (typical length), few batch sizes so that the case stays short.
 */
export async function measureRn50x4(ctx: BenchContext, images: string[]): Promise<Record<string, unknown>> {
  const dir = path.join(ctx.tmpDir, 'pack-rn50x4-p40')
  const t0 = performance.now()
  writeRandomPack(dir, realSizeRn50x4Spec({ type: 'transformer', prefixLength: 40, clipLength: 40, numLayers: 8, normalizePrefix: true }))
  const generateSeconds = (performance.now() - t0) / 1000
  const figures = await measurePack(ctx, dir, images, { greedy: [1, 8], beam: [4] }, [15], 1)
  return { mode: 'real size, random weights: CLIP RN50x4 (288 px) + GPT-2 124M frozen + transformer mapping (prefix 40, 8 layers)', randomPackGenerateSeconds: generateSeconds, ...figures }
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const images = await writeImages(path.join(ctx.tmpDir, 'images'), ctx.quick ? 2 : 16)
  const load = os.loadavg()
  if (ctx.quick) {
    const tiny = ensureTinyPack({ dir: path.join(ctx.tmpDir, 'tiny') })
    return { mode: 'quick (generated tiny pack; not the real-size goal)', threads: THREADS, loadAverageAtStart: load, tiny: await measurePack(ctx, tiny, images, { greedy: [1, 2], beam: [1, 2] }, [67], 1) }
  }
  const t0 = performance.now()
  const p10 = makePack(ctx.tmpDir, 10, null)
  const generateSeconds = (performance.now() - t0) / 1000
  const p40 = makePack(ctx.tmpDir, 40, p10)
  const figures: Record<string, unknown> = {
    mode: 'real size, random weights: ViT-B/32 + GPT-2 124M + transformer mapping (8 layers)',
    threads: THREADS,
    loadAverageAtStart: load,
    randomPackGenerateSeconds: generateSeconds,
    note: 'random weights: captions never stop at "." and run to the 67-token cap (worst case); typical15Tokens caps captions at 15 tokens, about the length of real ClipCap captions',
  }
  // Batch sizes are few on purpose: on a 2-core machine every configuration
  // takes minutes (beam 5 at batch 1 is 67 × 5-row GPT-2 steps per photo).
  figures.prefix10 = await measurePack(ctx, p10, images, { greedy: [1, 8, 16], beam: [1, 4] }, [67, 15], 1)
  figures.prefix40 = await measurePack(ctx, p40, images, { greedy: [1, 8], beam: [4] }, [67], 1)
  figures.rn50x4Prefix40 = await measureRn50x4(ctx, images.slice(0, 8))
  // The goal's own arithmetic (about 10 GFLOP per greedy caption) assumes a
  // caption of typical length; random weights never stop, so the 67-token cap
  // is reported beside it as the worst case rather than as the judged figure.
  type MethodFigures = { best: RunFigures }
  type ByLength = { greedy: MethodFigures; beam: MethodFigures }
  const prefix10 = figures.prefix10 as { worstCase67Tokens: ByLength; typical15Tokens: ByLength }
  const judge = (goal: number, method: 'greedy' | 'beam') => {
    const typical = prefix10.typical15Tokens[method].best.imagesPerSecond
    return { goal, typical15Tokens: typical, met: typical >= goal, worstCase67Tokens: prefix10.worstCase67Tokens[method].best.imagesPerSecond }
  }
  figures.goal = { greedyImagesPerSecond: judge(4, 'greedy'), beam5ImagesPerSecond: judge(1.5, 'beam') }
  figures.peakRssMiB = rssMiB()
  return figures
}
