// Captioning speed and memory at real size with random weights (issue 15),
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
import { CAPTION_TOKENS, WORST_CASE_TOKENS, latencySeconds, peakRssMiB, preparePack, round3, selectedCases, timeFilesToCaptions, writeImages, type RunFigures } from './caption-cases.ts'

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

const best = (runs: RunFigures[]): RunFigures => runs.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a))

function summary(r: RunFigures): Record<string, number> {
  return { batch: r.batch, images: r.images, imagesPerSecond: round3(r.imagesPerSecond), secondsPerImage: round3(r.secondsPerImage), meanTokens: round3(r.meanTokens) }
}

/** Every figure of one pack (see the header). */
export async function measureCaptioning(ctx: BenchContext, packDir: string, cacheDir: string, images: string[], plan: MeasurePlan): Promise<Record<string, unknown>> {
  const t0 = performance.now()
  const runtime = await PackRuntime.open(packDir, { cacheDir, provider: 'cpu', threads: THREADS })
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
    const figures: Record<string, unknown> = {
      pack: runtime.pack.name,
      provider: runtime.provider,
      loadSeconds: round3(loadSeconds),
      greedy: { best: summary(best(greedy)), all: greedy.map(summary) },
      beam5: { best: summary(best(beam)), all: beam.map(summary) },
      latency: batch1 ? { seconds: round3(latencySeconds(batch1)), perPhotoSeconds: batch1.perPhotoSeconds!.map(round3), what: 'one photo alone: JPEG file -> CLIP -> mapping -> greedy caption, batch 1' } : null,
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

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const loadAtStart = os.loadavg()
  const plan = ctx.quick ? QUICK_PLAN : FULL_PLAN
  const images = await writeImages(path.join(ctx.tmpDir, 'images'), Math.max(...plan.greedyBatches, ...plan.beamBatches, plan.batch1Photos))
  const figures: Record<string, unknown> = { threads: THREADS, captionTokens: CAPTION_TOKENS, loadAverageAtStart: loadAtStart }
  if (ctx.quick) {
    const tiny = ensureTinyPack({ dir: path.join(ctx.tmpDir, 'tiny') })
    figures.mode = 'quick (generated tiny pack; not the real-size goals)'
    figures.tiny = await measureCaptioning(ctx, tiny, path.join(ctx.tmpDir, 'compiled'), images, plan)
  } else {
    figures.mode = 'real size, random weights'
    const cases: Record<string, unknown> = {}
    for (const c of selectedCases()) {
      ctx.log(`${c.id}: generating and compiling the pack (child process)`)
      const prepared = preparePack(c, ctx.tmpDir)
      const casePlan = c.batches ? { ...plan, greedyBatches: c.batches.greedy, beamBatches: c.batches.beam } : plan
      const measured = await measureCaptioning(ctx, prepared.packDir, prepared.cacheDir, images, casePlan)
      cases[c.id] = { description: c.description, generateSeconds: round3(prepared.generateSeconds), compileSeconds: round3(prepared.compileSeconds), ...measured }
    }
    figures.cases = cases
    const main = cases['vitb32-transformer8-p10'] as { beam5: { best: { imagesPerSecond: number } }; latency: { seconds: number }; peakRssMiB: number } | undefined
    if (main) {
      figures.goals = {
        greedy: 'a ratio to PyTorch measured in the same run: npm run bench -- caption-vs-pytorch',
        beam5ImagesPerSecond: { goal: GOALS.beam5ImagesPerSecond, value: main.beam5.best.imagesPerSecond, met: main.beam5.best.imagesPerSecond >= GOALS.beam5ImagesPerSecond },
        latencySeconds: { goal: GOALS.latencySeconds, value: main.latency.seconds, met: main.latency.seconds <= GOALS.latencySeconds },
        peakRssMiB: { goal: GOALS.peakRssMiB, value: main.peakRssMiB, met: main.peakRssMiB <= GOALS.peakRssMiB, note: 'the whole bench process; cases run one after another in it' },
      }
    }
  }
  figures.loadAverageAtEnd = os.loadavg()
  return figures
}
