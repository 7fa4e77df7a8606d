// One configuration of the training bench in a process of its own (bench
// train.bench.ts runs it as `node --import tsx bench/train-step-child.ts JSON`),
// so its peak RSS (VmHWM) is that configuration's alone, not accumulated over
// the ones before it — as PyTorch's child process is measured. Prints one JSON
// line: setup seconds, the timed step seconds, peak RSS and the trained tensors.
import fs from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Gpt2Config, MappingConfig } from '../src/main/ml/models/config.ts'
import { gpt2WeightSpec } from '../src/main/ml/models/weight-names.ts'
import { randomWeights } from '../src/main/ml/packs/random-pack.ts'
import { PAPER_ADAMW } from '../src/main/ml/training/adamw.ts'
import { makeBatch, mulberry32, type TrainItem } from '../src/main/ml/training/dataset.ts'
import { initMappingWeights } from '../src/main/ml/training/train-run.ts'
import { TrainingSession } from '../src/main/ml/training/session.ts'

export interface StepChildArgs {
  type: 'mlp' | 'transformer'
  prefix: number
  tune: boolean
  batch: number
  tokens: number
  warmup: number
  steps: number
  threads: number
  /** ORT's CPU memory arena (default on; false: a lever measured by bench train). */
  cpuMemArena?: boolean
  /** CLIP embedding width (default 512, ViT-B/32; 640 for RN50x4). */
  clipDim?: number
}

export const GPT2_124M: Gpt2Config = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, layerNormEps: 1e-5 }

export function mappingConfig(type: 'mlp' | 'transformer', prefix: number, clipDim = 512): MappingConfig {
  return {
    type,
    prefixLength: prefix,
    clipLength: type === 'transformer' ? prefix : 0,
    numLayers: type === 'transformer' ? 8 : 0,
    clipDim,
    prefixDim: 768,
    normalizePrefix: type === 'transformer',
    mlpHiddenDim: type === 'mlp' ? (768 * prefix) / 2 : 0,
    numHeads: 8,
    mlpRatio: 2,
  }
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20
}

async function main(a: StepChildArgs): Promise<void> {
  const mapping = mappingConfig(a.type, a.prefix, a.clipDim)
  const t0 = performance.now()
  const session = await TrainingSession.create(
    {
      mapping,
      gpt2: GPT2_124M,
      mappingWeights: initMappingWeights(mapping, 1),
      gpt2Weights: randomWeights(gpt2WeightSpec(GPT2_124M), 7, 0.02),
      tuneGpt2: a.tune,
      batchSize: a.batch,
      seqLen: a.tokens,
      optimizer: PAPER_ADAMW,
    },
    { threads: a.threads, ...(a.cpuMemArena !== undefined ? { cpuMemArena: a.cpuMemArena } : {}) },
  )
  const setupS = (performance.now() - t0) / 1000
  const rssAfterSetup = process.memoryUsage().rss / 2 ** 20
  const peakAfterSetup = peakRssMb()
  const rnd = mulberry32(11)
  const items: TrainItem[] = Array.from({ length: a.batch }, () => ({
    embedding: Float32Array.from({ length: mapping.clipDim }, () => rnd() * 2 - 1),
    tokens: Array.from({ length: a.tokens }, () => 1 + Math.floor(rnd() * 50000)),
  }))
  const batch = makeBatch(
    items,
    items.map((_, i) => i),
    { prefixLength: a.prefix, maxLen: a.tokens, normalize: mapping.normalizePrefix },
  )
  // Untimed warm-up: ORT's first two runs of a training graph are 2-3x slower (allocation planning, first-touch faults).
  for (let w = 0; w < a.warmup; w++) await session.step(batch, 1e-4)
  const times: number[] = []
  for (let s = 0; s < a.steps; s++) {
    const t = performance.now()
    await session.step(batch, 1e-4)
    times.push((performance.now() - t) / 1000)
  }
  const trained = session.trainable.length
  await session.release()
  process.stdout.write(
    JSON.stringify({
      setup_s: setupS,
      step_times_s: times,
      peak_rss_mb: peakRssMb(),
      rss_after_setup_mb: rssAfterSetup,
      peak_rss_after_setup_mb: peakAfterSetup,
      trained_tensors: trained,
    }) + '\n',
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(JSON.parse(process.argv[2] ?? '{}') as StepChildArgs).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  })
}
