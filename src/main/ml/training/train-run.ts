// One training run, as the paper's train() loop: for optimizer step k the
// batch k (cycling through epochs, each shuffled with the seed unless
// --no-shuffle), loss before the update, AdamW with the warm-up/linear-decay
// learning rate of step k. Used by `photocap train` and by the engine's
// training jobs. Optional checkpoints make a killed run resumable.
import fs from 'node:fs'
import path from 'node:path'
import { CancelledError } from '../cancelled.ts'
import type { MappingConfig } from '../models/config.ts'
import { mappingWeightSpec, type WeightMap } from '../models/weight-names.ts'
import { openSafetensors, readSafetensors, writeSafetensors } from '../weights/safetensors.ts'
import type { HostTensor } from '../weights/tensor.ts'
import { PAPER_ADAMW, type AdamWConfig } from './adamw.ts'
import { batchOrder, makeBatch, maxSeqLen, mulberry32, type TrainItem } from './dataset.ts'
import { learningRateAt } from './schedule.ts'
import { TrainingSession } from './session.ts'
import { gpt2PaperName } from './train-graph.ts'
import type { TrainingPack } from './training-pack.ts'
import type { ProviderRequest } from '../runtime/providers.ts'

export interface TrainOptions {
  mapping: MappingConfig
  /** Starting mapping weights (null: initialise from scratch with `seed`). */
  initialMapping: WeightMap | null
  tuneGpt2: boolean
  batchSize: number
  /** Total optimizer steps S (the schedule's num_training_steps). */
  steps: number
  lr: number
  warmup: number
  weightDecay: number
  seed: number
  shuffle: boolean
  provider?: ProviderRequest
  threads?: number
  /** Told once the session exists: the provider it runs on and, when an accelerator was skipped, why. */
  onProvider?: (provider: string, fallbackReason: string | null) => void
  /** Save a checkpoint every N steps into checkpointDir (and resume from it when present). */
  checkpointDir?: string
  checkpointEvery?: number
  signal?: AbortSignal
  /**
   * Called after optimizer steps 1…S−1 with the weights at that point (mapping
   * by paper name; GPT-2 canonical names, only with tuneGpt2), awaited before
   * the next step: the learn-style bench scores held-out captions mid-run.
   * The tensors are the session's own (views the next step overwrites): copy what must outlive the call.
   */
  onSnapshot?: (stepsDone: number, mapping: WeightMap, gpt2: WeightMap | null) => Promise<void>
}

export interface StepLog {
  step: number
  epoch: number
  loss: number
  lr: number
  samples_per_s: number
}

export interface TrainResult {
  mapping: WeightMap
  /** Canonical GPT-2 names; only with tuneGpt2. */
  gpt2: WeightMap | null
  losses: number[]
  lrs: number[]
  stepsPerEpoch: number
  maxLen: number
  resumedFrom: number
  /** The execution provider the run used, and why an accelerator was skipped (null when none was). */
  provider: string
  fallbackReason: string | null
}

/** Steps per epoch with drop_last. */
export function stepsPerEpoch(items: number, batchSize: number): number {
  return Math.floor(items / batchSize)
}

/** PyTorch's default initialisation of the paper's mapper (nn.Linear uniform ±1/√in, LayerNorm 1/0, prefix_const randn). */
export function initMappingWeights(cfg: MappingConfig, seed: number): WeightMap {
  const rnd = mulberry32(seed ^ 0x5eed)
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())
  const out: WeightMap = new Map()
  const spec = mappingWeightSpec(cfg)
  const fanIn = new Map<string, number>()
  for (const [name, shape] of spec) if (name.endsWith('.weight') && shape.length === 2) fanIn.set(name.slice(0, -'.weight'.length), shape[1]!)
  for (const [name, shape] of spec) {
    const n = shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(n)
    const base = name.replace(/\.(weight|bias)$/, '')
    if (name.endsWith('prefix_const')) for (let i = 0; i < n; i++) data[i] = normal()
    else if (/norm\d\.weight$/.test(name)) data.fill(1)
    else if (/norm\d\.bias$/.test(name)) data.fill(0)
    else {
      const fi = fanIn.get(base)
      if (!fi) throw new Error(`initMappingWeights: no fan-in for ${name}`)
      const bound = 1 / Math.sqrt(fi)
      for (let i = 0; i < n; i++) data[i] = (rnd() * 2 - 1) * bound
    }
    out.set(name, { dtype: 'float32', shape: [...shape], data })
  }
  return out
}

const CKPT = 'checkpoint.safetensors'

function saveCheckpoint(dir: string, session: TrainingSession, step: number, meta: Record<string, string>): void {
  const tensors = new Map<string, HostTensor>()
  for (const [name, t] of session.params) {
    tensors.set(`param.${name}`, t)
    tensors.set(`adam_m.${name}`, { dtype: 'float32', shape: t.shape, data: session.m.get(name)! })
    tensors.set(`adam_v.${name}`, { dtype: 'float32', shape: t.shape, data: session.v.get(name)! })
  }
  fs.mkdirSync(dir, { recursive: true })
  // writeSafetensors is atomic (temp file + rename): a kill -9 leaves the previous checkpoint intact.
  writeSafetensors(path.join(dir, CKPT), tensors, { ...meta, step: String(step), t: String(session.t) })
}

function runKey(o: TrainOptions, items: number): string {
  return JSON.stringify([o.mapping, o.tuneGpt2, o.batchSize, o.steps, o.lr, o.warmup, o.weightDecay, o.seed, o.shuffle, items])
}

/**
 * The session's trained tensors as the mapping (paper names) and, when tuned, GPT-2 (canonical names):
 * views that the next step overwrites, or with `copy` arrays of their own (the result must not keep
 * the session's memory, gradients and moments included, alive).
 */
function splitParams(session: TrainingSession, tuneGpt2: boolean, copy: boolean): { mapping: WeightMap; gpt2: WeightMap | null } {
  const mapping: WeightMap = new Map()
  const gpt2: WeightMap | null = tuneGpt2 ? new Map() : null
  for (const [name, view] of session.params) {
    const t = copy ? { ...view, data: (view.data as Float32Array).slice() } : view
    if (name.startsWith('clip_project.')) mapping.set(name, t)
    else if (gpt2) gpt2.set(name.slice(gpt2PaperName('').length), t)
  }
  return { mapping, gpt2 }
}

export async function runTraining(pack: TrainingPack, items: readonly TrainItem[], opts: TrainOptions, onStep?: (log: StepLog) => void): Promise<TrainResult> {
  const B = opts.batchSize
  const spe = stepsPerEpoch(items.length, B)
  if (spe < 1) throw new Error(`too little data: ${items.length} captions cannot fill one batch of ${B}`)
  if (!(opts.steps >= 1)) throw new Error(`the number of steps must be at least 1, got ${opts.steps}`)
  const dims = new Set(items.map((i) => i.embedding.length))
  if (dims.size !== 1 || !dims.has(opts.mapping.clipDim))
    throw new Error(`embeddings have ${[...dims].join('/')} values, the mapping expects ${opts.mapping.clipDim}`)
  const L = maxSeqLen(items.map((i) => i.tokens.length))
  const optimizer: AdamWConfig = { ...PAPER_ADAMW, weightDecay: opts.weightDecay }
  const mappingWeights = opts.initialMapping ?? initMappingWeights(opts.mapping, opts.seed)
  const session = await TrainingSession.create(
    { mapping: opts.mapping, gpt2: pack.gpt2, mappingWeights, gpt2Weights: pack.gpt2Weights, tuneGpt2: opts.tuneGpt2, batchSize: B, seqLen: L, optimizer },
    { ...(opts.provider ? { provider: opts.provider } : {}), threads: opts.threads ?? 2 },
  )
  opts.onProvider?.(session.provider, session.fallbackReason)
  const key = runKey(opts, items.length)
  let start = 0
  try {
    if (opts.checkpointDir && fs.existsSync(path.join(opts.checkpointDir, CKPT))) {
      const file = path.join(opts.checkpointDir, CKPT)
      const ck = readSafetensors(file)
      const meta = openSafetensors(file).metadata
      if (meta.run === key) {
        for (const name of session.trainable) {
          const p = ck.get(`param.${name}`)
          if (!p) throw new Error(`${file}: checkpoint lacks ${name}`)
          session.restore(name, p.data as Float32Array, ck.get(`adam_m.${name}`)!.data as Float32Array, ck.get(`adam_v.${name}`)!.data as Float32Array)
        }
        start = Number(meta.step)
        session.t = Number(meta.t)
      }
    }
    const losses: number[] = []
    const lrs: number[] = []
    let order: number[][] = []
    let orderEpoch = -1
    for (let k = start; k < opts.steps; k++) {
      if (opts.signal?.aborted) throw new CancelledError('training cancelled')
      const epoch = Math.floor(k / spe)
      if (epoch !== orderEpoch) {
        order = batchOrder(items.length, B, { shuffle: opts.shuffle, seed: opts.seed, epoch })
        orderEpoch = epoch
      }
      const batch = makeBatch(items, order[k % spe]!, { prefixLength: opts.mapping.prefixLength, maxLen: L, normalize: opts.mapping.normalizePrefix })
      const lr = learningRateAt(k, { lr: opts.lr, warmup: opts.warmup, total: opts.steps })
      const t0 = performance.now()
      const res = await session.step(batch, lr)
      const dt = (performance.now() - t0) / 1000
      if (!Number.isFinite(res.loss)) throw new Error(`training diverged: the loss is ${res.loss} at step ${k} (try a lower learning rate)`)
      losses.push(res.loss)
      lrs.push(lr)
      onStep?.({ step: k, epoch, loss: res.loss, lr, samples_per_s: B / dt })
      if (opts.onSnapshot && k + 1 < opts.steps) {
        const w = splitParams(session, opts.tuneGpt2, false)
        await opts.onSnapshot(k + 1, w.mapping, w.gpt2)
      }
      if (opts.checkpointDir && opts.checkpointEvery && (k + 1) % opts.checkpointEvery === 0 && k + 1 < opts.steps)
        saveCheckpoint(opts.checkpointDir, session, k + 1, { run: key })
    }
    const { mapping, gpt2 } = splitParams(session, opts.tuneGpt2, true)
    return { mapping, gpt2, losses, lrs, stepsPerEpoch: spe, maxLen: L, resumedFrom: start, provider: session.provider, fallbackReason: session.fallbackReason }
  } finally {
    await session.release()
  }
}
