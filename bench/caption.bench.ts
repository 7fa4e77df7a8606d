// Captioning speed and memory at real size with random weights,
// per case of caption-cases.ts (ViT-B/32 + 8-layer transformer mapping with
// prefix 10 + GPT-2 124M first; then the paper's RN50x4 model with prefix 40). Every figure is from JPEG files to captions
// at exactly 20 generated tokens (random weights never produce ".", so every
// caption is that long; `meanTokens` shows it):
//   greedy        images/s per batch size and the best batch,
//   beam5         the same for beam search with 5 beams,
//   latency       one new photo alone (batch 1, greedy): file to caption, s,
//   worstCase67   greedy and beam 5 at their best batch with the paper's
//                 67-token cap (a caption that never reaches "."),
//   peakRssMiB    this process's peak RSS: loading + captioning only (packs
//                 are generated and compiled in a child process).
// The greedy goal is a ratio to PyTorch in the same run: see
// caption-vs-pytorch.bench.ts. Absolute figures depend on the machine and on
// whatever else runs on it: the load average is recorded before and after.
//
// --quick: the generated tiny pack, 4 images, small batches.
import os from 'node:os'
import path from 'node:path'
import type { BenchContext } from './run.ts'
import { ensureTinyPack } from '../src/main/ml/packs/tiny-pack.ts'
import { PackRuntime } from '../src/main/ml/pipeline/pack-runtime.ts'
import { InProcessMlService } from '../src/main/ml/pipeline/in-process-service.ts'
import { Gpt2DecoderStep } from '../src/main/ml/pipeline/gpt2-decoder-step.ts'
import { stepInput } from '../src/main/ml/decoding/decoder-step.ts'
import { range } from '../src/main/ml/decoding/greedy.ts'
import type { WeightFormat } from '../src/main/ml/graph/quantize.ts'
import {
  CAPTION_TOKENS,
  WORST_CASE_TOKENS,
  latencySeconds,
  peakRssMiB,
  preparePack,
  round3,
  selectedCases,
  timeFilesToCaptions,
  writeImages,
  type RunFigures,
} from './caption-cases.ts'

export const name = 'caption'

const THREADS = Math.min(2, os.availableParallelism())

export const GOALS = { beam5ImagesPerSecond: 3, latencySeconds: 0.35, peakRssMiB: 1536 }

export interface MeasurePlan {
  greedyBatches: number[]
  beamBatches: number[]
  /** Photos timed at batch 1 (each one's latency is recorded). */
  batch1Photos: number
  worstCase: boolean
}

const FULL_PLAN: MeasurePlan = { greedyBatches: [1, 16, 32, 64], beamBatches: [4, 8, 16], batch1Photos: 4, worstCase: true }
const QUICK_PLAN: MeasurePlan = { greedyBatches: [1, 2], beamBatches: [2], batch1Photos: 2, worstCase: false }

/** The best greedy and beam runs of the last measureCaptioning (their tokens feed the fast mode's comparison). */
let lastRuns: { greedy: RunFigures; beam: RunFigures } | null = null

const best = (runs: RunFigures[]): RunFigures => runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a))

function summary(r: RunFigures): Record<string, number> {
  return {
    batch: r.batch,
    images: r.images,
    imagesPerSecond: round3(r.imagesPerSecond),
    secondsPerImage: round3(r.secondsPerImage),
    cpuSecondsPerImage: round3(r.cpuSecondsPerImage),
    meanTokens: round3(r.meanTokens),
  }
}

/** Every figure of one pack (see the header). */
export async function measureCaptioning(
  ctx: BenchContext,
  packDir: string,
  cacheDir: string,
  images: string[],
  plan: MeasurePlan,
  weights: WeightFormat = 'float32',
): Promise<Record<string, unknown>> {
  const t0 = performance.now()
  const runtime = await PackRuntime.open(packDir, { cacheDir, provider: 'cpu', threads: THREADS, weights })
  await runtime.warm(['clipVision', 'mapping', 'gpt2'])
  const loadSeconds = (performance.now() - t0) / 1000
  const maxB = Math.max(...plan.greedyBatches, ...plan.beamBatches)
  const svc = new InProcessMlService(runtime, { vision: maxB, text: 32, greedy: maxB, beam: maxB })
  try {
    await timeFilesToCaptions(svc, images.slice(0, 1), 'greedy', 1, 3) // first runs allocate ORT arenas
    const photos = (batch: number) => images.slice(0, batch === 1 ? plan.batch1Photos : batch)
    const run = async (method: 'greedy' | 'beam', batch: number, tokens: number) => {
      ctx.log(`${runtime.pack.name}: ${method} batch ${batch}, ${tokens} tokens`)
      return timeFilesToCaptions(svc, photos(batch), method, batch, tokens)
    }
    const greedy: RunFigures[] = []
    for (const b of plan.greedyBatches) greedy.push(await run('greedy', b, CAPTION_TOKENS))
    const beam: RunFigures[] = []
    for (const b of plan.beamBatches) beam.push(await run('beam', b, CAPTION_TOKENS))
    const batch1 = greedy.find((r) => r.batch === 1)
    lastRuns = { greedy: best(greedy), beam: best(beam) }
    const figures: Record<string, unknown> = {
      pack: runtime.pack.name,
      weights,
      provider: runtime.provider,
      loadSeconds: round3(loadSeconds),
      greedy: { best: summary(best(greedy)), all: greedy.map(summary) },
      beam5: { best: summary(best(beam)), all: beam.map(summary) },
      latency: batch1
        ? {
            seconds: round3(latencySeconds(batch1)),
            perPhotoSeconds: batch1.perPhotoSeconds!.map(round3),
            what: 'one photo alone: JPEG file -> CLIP -> mapping -> greedy caption, batch 1',
          }
        : null,
    }
    if (plan.worstCase) {
      figures.worstCase67Tokens = {
        greedy: summary(await run('greedy', best(greedy).batch, WORST_CASE_TOKENS)),
        beam5: summary(await run('beam', best(beam).batch, WORST_CASE_TOKENS)),
      }
    }
    figures.peakRssMiB = peakRssMiB()
    return figures
  } finally {
    await svc.close()
  }
}

/** The opt-in fast mode (int8 weights) at the float32 run's best batches, and how far its outputs are from float32's. */
async function measureFastMode(
  ctx: BenchContext,
  packDir: string,
  cacheDir: string,
  images: string[],
  plan: MeasurePlan,
  floatRuns: { greedy: RunFigures; beam: RunFigures },
): Promise<Record<string, unknown>> {
  ctx.log('fast mode (int8 weights)')
  const fastPlan: MeasurePlan = {
    greedyBatches: [...new Set([1, floatRuns.greedy.batch])],
    beamBatches: [floatRuns.beam.batch],
    batch1Photos: plan.batch1Photos,
    worstCase: false,
  }
  const fast = await measureCaptioning(ctx, packDir, cacheDir, images, fastPlan, 'int8')
  const fastRuns = lastRuns!
  return {
    ...fast,
    vsFloat32: {
      ...(await logitError(packDir, cacheDir, images.slice(0, 8))),
      greedyCaptionsIdentical: sameTokens(floatRuns.greedy.tokens, fastRuns.greedy.tokens),
      beamCaptionsIdentical: sameTokens(floatRuns.beam.tokens, fastRuns.beam.tokens),
    },
  }
}

function sameTokens(a: number[][], b: number[][]): string {
  const n = Math.min(a.length, b.length)
  let same = 0
  for (let i = 0; i < n; i++) if (JSON.stringify(a[i]) === JSON.stringify(b[i])) same++
  return `${same}/${n}`
}

/** Random weights: the int8 decoder's prefill logits against float32's on the same prefixes. */
async function logitError(packDir: string, cacheDir: string, images: string[]): Promise<Record<string, unknown>> {
  const open = (weights: WeightFormat) => PackRuntime.open(packDir, { cacheDir, provider: 'cpu', threads: THREADS, weights })
  const f32 = await open('float32')
  const q8 = await open('int8')
  try {
    const svc = new InProcessMlService(f32, { vision: images.length, text: 32, greedy: images.length, beam: images.length })
    const emb = (await svc.embedImages(images)).map((e) => (e.ok ? e.embedding : new Float32Array(0)))
    const prefix = await svc.prefixes(emb)
    const K = f32.pack.mapping.config.prefixLength
    const logitsOf = async (rt: PackRuntime) =>
      (
        await new Gpt2DecoderStep(await rt.session('gpt2'), rt.pack.gpt2.config).run({
          ...stepInput({ batch: images.length, pastLength: 0, prefixEmbeds: prefix, prefixLength: K, cacheOrder: range(images.length), cache: null }),
          head: 'logits',
        })
      ).logits!
    const a = await logitsOf(f32)
    const b = await logitsOf(q8)
    const V = f32.pack.gpt2.config.vocabSize
    let err = 0
    let max = 0
    let sameArgmax = 0
    for (let r = 0; r < images.length; r++) {
      let ia = 0
      let ib = 0
      for (let v = 0; v < V; v++) {
        const i = r * V + v
        err = Math.max(err, Math.abs(a[i]! - b[i]!))
        max = Math.max(max, Math.abs(a[i]!))
        if (a[i]! > a[r * V + ia]!) ia = v
        if (b[i]! > b[r * V + ib]!) ib = v
      }
      if (ia === ib) sameArgmax++
    }
    return {
      firstStepLogitMaxAbsError: round3(err),
      firstStepLogitMaxAbs: round3(max),
      firstStepSameArgmax: `${sameArgmax}/${images.length}`,
      note: 'GPT-2 prefill on float32 prefixes of the same photos; random weights',
    }
  } finally {
    await f32.close()
    await q8.close()
  }
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const loadAtStart = os.loadavg()
  const plan = ctx.quick ? QUICK_PLAN : FULL_PLAN
  const images = await writeImages(path.join(ctx.tmpDir, 'images'), Math.max(...plan.greedyBatches, ...plan.beamBatches, plan.batch1Photos))
  const figures: Record<string, unknown> = { threads: THREADS, captionTokens: CAPTION_TOKENS, loadAverageAtStart: loadAtStart }
  if (ctx.quick) {
    const tiny = ensureTinyPack({ dir: path.join(ctx.tmpDir, 'tiny') })
    figures.mode = 'quick (generated tiny pack; not the real-size goals)'
    figures.tiny = await measureCaptioning(ctx, tiny, path.join(ctx.tmpDir, 'compiled'), images, plan)
    figures.tinyFastModeInt8 = await measureFastMode(ctx, tiny, path.join(ctx.tmpDir, 'compiled'), images, plan, lastRuns!)
  } else {
    figures.mode = 'real size, random weights'
    const cases: Record<string, unknown> = {}
    for (const c of selectedCases()) {
      ctx.log(`${c.id}: generating and compiling the pack (child process)`)
      const prepared = preparePack(c, ctx.tmpDir)
      const casePlan = c.batches ? { ...plan, greedyBatches: c.batches.greedy, beamBatches: c.batches.beam } : plan
      const measured = await measureCaptioning(ctx, prepared.packDir, prepared.cacheDir, images, casePlan)
      const floatRuns = lastRuns!
      cases[c.id] = {
        description: c.description,
        generateSeconds: round3(prepared.generateSeconds),
        compileSeconds: round3(prepared.compileSeconds),
        ...measured,
      }
      if (!process.env.PHOTOCAP_BENCH_NO_FAST && c.fastMode !== false) {
        preparePack(c, ctx.tmpDir, 'int8')
        cases[c.id] = { ...(cases[c.id] as object), fastModeInt8: await measureFastMode(ctx, prepared.packDir, prepared.cacheDir, images, casePlan, floatRuns) }
      }
    }
    figures.cases = cases
    const main = cases['vitb32-transformer8-p10'] as
      { beam5: { best: { imagesPerSecond: number } }; latency: { seconds: number }; peakRssMiB: number } | undefined
    if (main) {
      figures.goals = {
        greedy: 'a ratio to PyTorch measured in the same run: npm run bench -- caption-vs-pytorch',
        beam5ImagesPerSecond: {
          goal: GOALS.beam5ImagesPerSecond,
          value: main.beam5.best.imagesPerSecond,
          met: main.beam5.best.imagesPerSecond >= GOALS.beam5ImagesPerSecond,
        },
        latencySeconds: { goal: GOALS.latencySeconds, value: main.latency.seconds, met: main.latency.seconds <= GOALS.latencySeconds },
        peakRssMiB: {
          goal: GOALS.peakRssMiB,
          value: main.peakRssMiB,
          met: main.peakRssMiB <= GOALS.peakRssMiB,
          note: 'the whole bench process; cases run one after another in it',
        },
      }
    }
  }
  figures.loadAverageAtEnd = os.loadavg()
  return figures
}
