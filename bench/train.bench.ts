// Training throughput at real size with random weights (issue 6 "Proof"):
// GPT-2 124M frozen + the paper's 8-layer transformer mapping (prefix 10 and
// 40, clip_length = prefix), and the MLP mapping with GPT-2 tuning. Per
// configuration: samples/s (median step), peak RSS while it ran, and the
// implied time per epoch for 1,000 captions; the goal is 1,000 captions × 3
// epochs with frozen GPT-2 in under 15 minutes on this 2-core CPU.
// A PyTorch comparison is not possible here: this machine has no PyTorch.
import fs from 'node:fs'
import type { BenchContext } from './run.ts'
import { median } from './run.ts'
import type { Gpt2Config, MappingConfig } from '../src/main/ml/models/config.ts'
import { gpt2WeightSpec } from '../src/main/ml/models/weight-names.ts'
import { randomWeights } from '../src/main/ml/packs/random-pack.ts'
import { PAPER_ADAMW } from '../src/main/ml/training/adamw.ts'
import { makeBatch, mulberry32, type TrainItem } from '../src/main/ml/training/dataset.ts'
import { initMappingWeights } from '../src/main/ml/training/train-run.ts'
import { TrainingSession } from '../src/main/ml/training/session.ts'

export const name = 'train'

const GPT2_124M: Gpt2Config = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, layerNormEps: 1e-5 }

function mappingConfig(type: 'mlp' | 'transformer', prefix: number): MappingConfig {
  return { type, prefixLength: prefix, clipLength: type === 'transformer' ? prefix : 0, numLayers: type === 'transformer' ? 8 : 0, clipDim: 512, prefixDim: 768, normalizePrefix: type === 'transformer', mlpHiddenDim: type === 'mlp' ? (768 * prefix) / 2 : 0, numHeads: 8, mlpRatio: 2 }
}

function peakRssMb(): number {
  // VmHWM: the process's peak resident set so far (Linux).
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    if (m) return Number(m[1]) / 1024
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss / 2 ** 20
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const B = ctx.quick ? 4 : 16
  const L = 20 // caption tokens (COCO captions average ~12 GPT-2 tokens; max_seq_len rule gives ~20-40)
  const timedSteps = ctx.quick ? 2 : 3
  const configs: { label: string; type: 'mlp' | 'transformer'; prefix: number; tune: boolean }[] = [
    { label: 'transformer8_p10_frozen', type: 'transformer', prefix: 10, tune: false },
    { label: 'transformer8_p40_frozen', type: 'transformer', prefix: 40, tune: false },
    { label: 'mlp_p10_tuned', type: 'mlp', prefix: 10, tune: true },
  ]
  ctx.log(`random GPT-2 124M weights…`)
  const gpt2Weights = randomWeights(gpt2WeightSpec(GPT2_124M), 7, 0.02)
  const rnd = mulberry32(11)
  const items: TrainItem[] = Array.from({ length: B }, () => ({
    embedding: Float32Array.from({ length: 512 }, () => rnd() * 2 - 1),
    tokens: Array.from({ length: L }, () => 1 + Math.floor(rnd() * 50000)),
  }))
  const figures: Record<string, unknown> = { batch_size: B, caption_tokens: L, timed_steps: timedSteps, threads: 2, cpus: (await import('node:os')).cpus().length }
  for (const c of configs) {
    const mapping = mappingConfig(c.type, c.prefix)
    ctx.log(`${c.label}: building the training graph…`)
    const t0 = performance.now()
    const session = await TrainingSession.create(
      { mapping, gpt2: GPT2_124M, mappingWeights: initMappingWeights(mapping, 1), gpt2Weights, tuneGpt2: c.tune, batchSize: B, seqLen: L, optimizer: PAPER_ADAMW },
      { threads: 2 },
    )
    const setupS = (performance.now() - t0) / 1000
    const batch = makeBatch(items, items.map((_, i) => i), { prefixLength: c.prefix, maxLen: L, normalize: mapping.normalizePrefix })
    const times: number[] = []
    try {
      for (let s = 0; s < timedSteps + 1; s++) {
        const t = performance.now()
        await session.step(batch, 1e-4)
        if (s > 0) times.push((performance.now() - t) / 1000) // the first step includes ORT's lazy allocations
        ctx.log(`${c.label}: step ${s} ${((performance.now() - t) / 1000).toFixed(1)} s`)
      }
    } finally {
      await session.release()
    }
    const stepS = median(times)
    const sps = B / stepS
    figures[c.label] = {
      setup_s: Math.round(setupS * 10) / 10,
      step_s: Math.round(stepS * 100) / 100,
      samples_per_s: Math.round(sps * 100) / 100,
      epoch_1000_captions_min: Math.round((1000 / sps / 60) * 10) / 10,
      three_epochs_1000_captions_min: Math.round(((3 * 1000) / sps / 60) * 10) / 10,
      peak_rss_mb_so_far: Math.round(peakRssMb()),
      trained_tensors: session.trainable.length,
    }
    ctx.log(JSON.stringify(figures[c.label]))
  }
  figures.goal = '1,000 captions x 3 epochs, frozen GPT-2, < 15 min on the 2-core CPU'
  figures.pytorch_comparison = 'not measured: PyTorch is not installed on this machine'
  return figures
}
