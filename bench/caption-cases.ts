// What the captioning benches (caption, caption-vs-pytorch) measure on:
// the real-size random packs ("cases"), the JPEG files, and the timed
// file -> embedding -> caption loop shared by both.
//
// [Note: caption cases] A case is one pack architecture at real size with
// random weights. Add a case (e.g. another ResNet CLIP size) by appending
// to CAPTION_CASES; `npm run bench -- caption` measures every case, and
// `PHOTOCAP_BENCH_CASES=id,id` picks some. Packs are generated AND compiled in
// a child process (prepare-caption-pack.ts), so the bench process's peak RSS
// is that of loading and captioning only, the figure the memory goal is about.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { realSizeRn50x4Spec, realSizeSpec, type RandomPackSpec } from '../src/main/ml/packs/random-pack.ts'
import type { InProcessMlService } from '../src/main/ml/pipeline/in-process-service.ts'
import type { WeightFormat } from '../src/main/ml/graph/quantize.ts'
import { median } from './run.ts'

/** Tokens every caption is measured at (the figures); random weights never stop early. */
export const CAPTION_TOKENS = 20
/** The paper's cap: what a caption that never reaches "." costs. */
export const WORST_CASE_TOKENS = 67

export interface CaptionCase {
  id: string
  description: string
  spec: RandomPackSpec
  /** Batch sizes for this case instead of the bench's (a heavier tower gets fewer, to keep the run short). */
  batches?: { greedy: number[]; beam: number[] }
  /** false: skip the int8 fast-mode measurement for this case (run time). */
  fastMode?: false
}

export const CAPTION_CASES: CaptionCase[] = [
  {
    id: 'vitb32-transformer8-p10',
    description: 'CLIP ViT-B/32 + transformer mapping (8 layers, prefix 10) + GPT-2 124M',
    spec: realSizeSpec({ type: 'transformer', prefixLength: 10, clipLength: 10, numLayers: 8, normalizePrefix: true }),
  },
  {
    // The paper's third model: a ResNet tower at 288 px costs several times a ViT-B/32's
    // per photo, and prefix 40 makes every GPT-2 step longer, so it is timed at fewer batch sizes.
    id: 'rn50x4-transformer8-p40',
    description: 'CLIP RN50x4 (288 px ModifiedResNet, 640-d) + transformer mapping (8 layers, prefix 40) + GPT-2 124M frozen',
    spec: realSizeRn50x4Spec({ type: 'transformer', prefixLength: 40, clipLength: 40, numLayers: 8, normalizePrefix: true }),
    batches: { greedy: [1, 8], beam: [4] },
    fastMode: false,
  },
]

/** The cases chosen by PHOTOCAP_BENCH_CASES (comma-separated ids), default all. */
export function selectedCases(env: NodeJS.ProcessEnv = process.env): CaptionCase[] {
  const wanted = env.PHOTOCAP_BENCH_CASES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (!wanted?.length) return CAPTION_CASES
  const unknown = wanted.filter((w) => !CAPTION_CASES.some((c) => c.id === w))
  if (unknown.length) throw new Error(`PHOTOCAP_BENCH_CASES: unknown case ${unknown.join(', ')} (known: ${CAPTION_CASES.map((c) => c.id).join(', ')})`)
  return CAPTION_CASES.filter((c) => wanted.includes(c.id))
}

export interface PreparedPack {
  packDir: string
  cacheDir: string
  generateSeconds: number
  compileSeconds: number
}

const HERE = path.dirname(fileURLToPath(import.meta.url))

/** Generate and compile a case's pack under `root` in a child process (see the Note), in the given weight format. */
export function preparePack(c: CaptionCase, root: string, weights: WeightFormat = 'float32'): PreparedPack {
  const script = path.join(HERE, 'prepare-caption-pack.ts')
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, c.id, root, weights], {
    cwd: path.resolve(HERE, '..'),
    encoding: 'utf8',
    timeout: 20 * 60_000,
    maxBuffer: 16 << 20,
  })
  if (r.status !== 0) throw new Error(`preparing pack ${c.id} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PreparedPack
}

/** `n` distinct 640x480 JPEG files (different pixels, so no two photos share a caption path by accident). */
export async function writeImages(dir: string, n: number): Promise<string[]> {
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
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(file)
    files.push(file)
  }
  return files
}

export interface RunFigures {
  batch: number
  images: number
  imagesPerSecond: number
  secondsPerImage: number
  meanTokens: number
  /** CPU seconds (all threads of this process) per image: less sensitive than wall time to a busy machine. */
  cpuSecondsPerImage: number
  /** Batch 1 only: each photo's file-to-caption seconds. */
  perPhotoSeconds?: number[]
  /** Each photo's caption tokens, in order. */
  tokens: number[][]
}

/**
 * Files -> CLIP -> mapping -> captions, `batch` photos at a time (the service
 * must have been created with batch sizes >= `batch`), timed end to end.
 */
export async function timeFilesToCaptions(
  svc: InProcessMlService,
  images: string[],
  method: 'greedy' | 'beam',
  batch: number,
  maxTokens: number,
): Promise<RunFigures> {
  let tokens = 0
  const all: number[][] = []
  const chunkTimes: number[] = []
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let s = 0; s < images.length; s += batch) {
    const c0 = performance.now()
    const emb = await svc.embedImages(images.slice(s, s + batch))
    const vectors = emb.map((e) => {
      if (!e.ok) throw new Error(e.error)
      return e.embedding
    })
    const caps = await svc.captionEmbeddings(vectors, { method, beamSize: 5, maxTokens })
    tokens += caps.reduce((a, c) => a + c.tokens.length + (c.tokens.length < maxTokens ? 1 : 0), 0)
    for (const c of caps) all.push(c.tokens)
    chunkTimes.push((performance.now() - c0) / 1000)
  }
  const sec = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuSecondsPerImage = (cpu.user + cpu.system) / 1e6 / images.length
  const out: RunFigures = {
    batch,
    images: images.length,
    imagesPerSecond: images.length / sec,
    secondsPerImage: sec / images.length,
    meanTokens: tokens / images.length,
    cpuSecondsPerImage,
    tokens: all,
  }
  if (batch === 1) out.perPhotoSeconds = chunkTimes
  return out
}

/** Median seconds per photo of a batch-1 run: the file-to-caption latency of one new photo. */
export function latencySeconds(r: RunFigures): number {
  return median(r.perPhotoSeconds ?? [r.secondsPerImage])
}

/** This process's peak resident set in MiB (VmHWM on Linux). */
export function peakRssMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    if (m) return Math.round(Number(m[1]) / 1024)
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000
