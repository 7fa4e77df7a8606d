// Captioning against PyTorch on the same CPU, the same weights and the same
// 20 tokens, alternating in one process tree (the greedy goal: at least 2.5x
// PyTorch's KV-cache greedy at its best batch, same run).
//
// Per round: ours (this process: JPEG files -> captions, greedy at each batch
// size), then the PyTorch child (bench/torch/caption_infer.py on the same
// pack: ready 224x224 tensors -> captions, its KV-cache greedy at each batch
// size plus the paper's generate2 and generate_beam restated, batch 1).
// Rounds alternate ours/PyTorch so a busy shared machine slows both alike;
// figures are medians over the rounds. Before timing, the child's
// --check-golden mode must give the golden tokens from all three PyTorch
// decoders, and the child must run on Debian's OpenMP OpenBLAS ([Note: BLAS
// pinning] in torch-python.ts); otherwise the figures are printed without
// ratios, saying why. Without PyTorch it says so and measures ours.
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, type BenchContext } from './run.ts'
import { PackRuntime } from '../src/main/ml/pipeline/pack-runtime.ts'
import { InProcessMlService } from '../src/main/ml/pipeline/in-process-service.ts'
import { CAPTION_CASES, CAPTION_TOKENS, preparePack, round3, timeFilesToCaptions, writeImages } from './caption-cases.ts'
import { findTorchPython } from './torch-python.ts'

export const name = 'caption-vs-pytorch'

const THREADS = Math.min(2, os.availableParallelism())
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch', 'caption_infer.py')
const GOAL_RATIO = 2.5
/** Our committed copy of the reference goldens (tiny GPT-2, prefixes, greedy and beam tokens). */
const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'golden')

interface TorchDecoderFigures {
  batch: number
  seconds_per_image: number
  images_per_s: number
  cpu_seconds_per_image: number
  mean_tokens: number
}
interface TorchSpeed {
  torch: string
  threads: number
  blas: string[]
  greedy_kv: Record<string, TorchDecoderFigures>
  generate2?: TorchDecoderFigures
  generate_beam?: TorchDecoderFigures
  peak_rss_mb: number
}

function runChild(python: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(python, [SCRIPT, ...args], { encoding: 'utf8', env, timeout: 60 * 60_000, maxBuffer: 16 << 20 })
  if (r.status !== 0) throw new Error(`${python} ${SCRIPT} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`)
  return r.stdout.trim().split('\n').pop()!
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const loadAtStart = os.loadavg()
  const rounds = ctx.quick ? 1 : 2
  const batches = ctx.quick ? [1, 16] : [1, 16, 32]
  const paperImages = 1 // per round: generate2 / generate_beam are slow by design
  const torch = findTorchPython(THREADS)
  const figures: Record<string, unknown> = { threads: THREADS, captionTokens: CAPTION_TOKENS, rounds, batches, loadAverageAtStart: loadAtStart }
  let ratioBlocked: string | null = null
  if ('missing' in torch) {
    ctx.log(torch.missing)
    figures.pytorch = torch.missing
    ratioBlocked = torch.missing
  } else {
    ctx.log(`PyTorch ${torch.version} via ${torch.python}, BLAS ${torch.blas.join(', ')}`)
    figures.pytorch = {
      python: torch.python,
      version: torch.version,
      blasLoaded: torch.blas,
      blasOk: torch.verdict.ok,
      ldLibraryPath: torch.env.LD_LIBRARY_PATH ?? null,
      ompEnv: Object.fromEntries(Object.entries(torch.env).filter(([k]) => k.startsWith('OMP_') || k.startsWith('GOMP_'))),
    }
    if (!torch.verdict.ok) ratioBlocked = torch.verdict.reason
    ctx.log('PyTorch decoders against the goldens (--check-golden)…')
    const check = JSON.parse(
      runChild(torch.python, ['--check-golden', GOLDEN_DIR, '--threads', '1', ...(ctx.quick ? ['--max-cases', '2'] : [])], torch.env),
    ) as { ok: boolean }
    figures.pytorchGoldenCheck = check
    if (!check.ok) ratioBlocked ??= 'the PyTorch decoders did not reproduce the golden tokens'
  }
  const c = CAPTION_CASES[0]!
  ctx.log(`${c.id}: generating and compiling the pack (child process)`)
  const prepared = preparePack(c, ctx.tmpDir)
  const images = await writeImages(path.join(ctx.tmpDir, 'images'), Math.max(...batches, 4))
  const runtime = await PackRuntime.open(prepared.packDir, { cacheDir: prepared.cacheDir, provider: 'cpu', threads: THREADS })
  const maxB = Math.max(...batches)
  const svc = new InProcessMlService(runtime, { vision: maxB, text: 32, greedy: maxB, beam: maxB })
  const ours: Record<number, number[]> = {}
  const oursCpu: Record<number, number[]> = {}
  const oursTokens: number[] = []
  const theirs: Record<string, number[]> = {}
  const theirsCpu: Record<string, number[]> = {}
  const torchRuns: TorchSpeed[] = []
  try {
    await timeFilesToCaptions(svc, images.slice(0, 1), 'greedy', 1, 3)
    for (let r = 0; r < rounds; r++) {
      for (const b of batches) {
        ctx.log(`round ${r + 1}: ours greedy batch ${b}`)
        const f = await timeFilesToCaptions(svc, images.slice(0, b === 1 ? 4 : b), 'greedy', b, CAPTION_TOKENS)
        ;(ours[b] ??= []).push(f.secondsPerImage)
        ;(oursCpu[b] ??= []).push(f.cpuSecondsPerImage)
        oursTokens.push(f.meanTokens)
      }
      if ('missing' in torch) continue
      ctx.log(`round ${r + 1}: PyTorch`)
      const t = JSON.parse(
        runChild(
          torch.python,
          [
            '--pack',
            prepared.packDir,
            '--batches',
            batches.join(','),
            '--tokens',
            String(CAPTION_TOKENS),
            '--paper-images',
            String(paperImages),
            '--threads',
            String(THREADS),
          ],
          torch.env,
        ),
      ) as TorchSpeed
      torchRuns.push(t)
      const add = (key: string, v: TorchDecoderFigures) => {
        ;(theirs[key] ??= []).push(v.seconds_per_image)
        ;(theirsCpu[key] ??= []).push(v.cpu_seconds_per_image)
      }
      for (const [k, v] of Object.entries(t.greedy_kv)) add(`greedy_kv_${k}`, v)
      if (t.generate2) add('generate2', t.generate2)
      if (t.generate_beam) add('generate_beam', t.generate_beam)
      const blasNow = torchRuns.at(-1)!.blas
      if (!blasNow.some((l) => l.includes('/openblas-openmp/'))) ratioBlocked ??= `the timed PyTorch child loaded ${blasNow.join(', ')}`
    }
  } finally {
    await svc.close()
  }
  const oursSec = Object.fromEntries(Object.entries(ours).map(([b, xs]) => [b, median(xs)]))
  const bestOurs = Object.entries(oursSec).reduce((a, b) => (b[1] < a[1] ? b : a))
  figures.ours = {
    what: 'JPEG files -> CLIP -> mapping -> greedy (KV cache), onnxruntime-node',
    secondsPerImageByBatch: Object.fromEntries(Object.entries(oursSec).map(([b, s]) => [b, round3(s)])),
    allRoundsSecondsPerImage: ours,
    cpuSecondsPerImageByBatch: Object.fromEntries(Object.entries(oursCpu).map(([b, xs]) => [b, round3(median(xs))])),
    best: { batch: Number(bestOurs[0]), secondsPerImage: round3(bestOurs[1]), imagesPerSecond: round3(1 / bestOurs[1]) },
    meanTokens: round3(oursTokens.reduce((a, b) => a + b, 0) / Math.max(1, oursTokens.length)),
  }
  if (torchRuns.length) {
    const theirSec = Object.fromEntries(Object.entries(theirs).map(([k, xs]) => [k, median(xs)]))
    const greedyKeys = Object.keys(theirSec).filter((k) => k.startsWith('greedy_kv_'))
    const bestKey = greedyKeys.reduce((a, b) => (theirSec[b]! < theirSec[a]! ? b : a))
    figures.pytorchFigures = {
      what: 'ready 224x224 tensors -> CLIP -> mapping -> captions, same weights (bench/torch/caption_infer.py)',
      secondsPerImage: Object.fromEntries(Object.entries(theirSec).map(([k, s]) => [k, round3(s)])),
      allRoundsSecondsPerImage: theirs,
      cpuSecondsPerImage: Object.fromEntries(Object.entries(theirsCpu).map(([k, xs]) => [k, round3(median(xs))])),
      bestGreedyKv: {
        batch: Number(bestKey.slice('greedy_kv_'.length)),
        secondsPerImage: round3(theirSec[bestKey]!),
        imagesPerSecond: round3(1 / theirSec[bestKey]!),
      },
      meanTokens: torchRuns.map((t) => Object.values(t.greedy_kv).map((g) => g.mean_tokens)),
      peakRssMiB: Math.max(...torchRuns.map((t) => t.peak_rss_mb)),
    }
    if (ratioBlocked) {
      figures.ratios = `not printed: ${ratioBlocked}`
    } else {
      const greedyRatio = theirSec[bestKey]! / bestOurs[1]
      const at1 = theirSec.greedy_kv_1 !== undefined && oursSec[1] !== undefined ? theirSec.greedy_kv_1 / oursSec[1] : null
      figures.ratios = {
        bestGreedyOursOverBestPytorchKvGreedy: round3(greedyRatio),
        batch1OursOverPytorchKvGreedyBatch1: at1 === null ? null : round3(at1),
        bestGreedyOursOverPaperGenerate2: theirSec.generate2 ? round3(theirSec.generate2 / bestOurs[1]) : null,
        bestGreedyOursOverPaperGenerateBeam: theirSec.generate_beam ? round3(theirSec.generate_beam / bestOurs[1]) : null,
        cpuTimeBestGreedyOursOverBestPytorchKvGreedy: round3(
          Math.min(...greedyKeys.map((k) => median(theirsCpu[k]!))) / Math.min(...Object.values(oursCpu).map((xs) => median(xs))),
        ),
        note: 'throughput ratios (PyTorch seconds per image / ours); the paper ratios compare its batch-1 code with our best batch; the CPU-time ratio (process CPU seconds per image, all threads) is the cross-check that a busy machine disturbs least',
      }
      figures.goal = { greedyRatioAtLeast: GOAL_RATIO, value: round3(greedyRatio), met: greedyRatio >= GOAL_RATIO }
    }
  } else if (ratioBlocked) {
    figures.ratios = `not printed: ${ratioBlocked}`
  }
  figures.loadAverageAtEnd = os.loadavg()
  const busiest = Math.max(loadAtStart[0]!, figures.loadAverageAtEnd ? (figures.loadAverageAtEnd as number[])[0]! : 0)
  if (busiest > os.availableParallelism()) {
    figures.warning = `load average ${busiest.toFixed(1)} exceeds the ${os.availableParallelism()} cores: wall-clock ratios are unreliable (each side's threads wait for the CPU differently); compare the CPU-time ratio and rerun on a quiet machine`
  }
  return figures
}
