// Where one GPT-2 decode step spends its time, and what the levers on it buy:
//   profiles   ONNX Runtime's per-node profiling of the real-size decoder
//              (GPT-2 124M, random weights) at batch 16 and batch 1, kernel
//              time aggregated by op type as ORT runs them (after its own
//              fusions), for the primitive graph and the fused-kernel one
//              ([Note: fused decoder kernels] in models/gpt2.ts): per op type
//              its share of kernel time, ms per step and nodes per step;
//   fusions    each kernel choice, and a greedy step that still computes the
//              beam summaries (top_k 1), against the primitive graph: steps
//              of the two alternated one by one, median step times and the
//              median per-pair speed-up (> 1: faster than primitive);
//   placements the same for ORT thread placements (intra-op / inter-op pool,
//              sequential or parallel executor, spinning) against intra-op
//              2, inter-op 1, sequential, on the primitive graph
//              (PHOTOCAP_BENCH_NO_PLACEMENTS=1 skips them).
// PHOTOCAP_BENCH_PROFILE_BATCHES=16,1,64 profiles other batch sizes.
// The step is the middle of a 20-token caption: prefix 10 + 10 tokens of past,
// one new token, greedy head (next_token only). The load average is recorded
// per pair: only figures of one run compare.
//
// --quick: 2 layers instead of 12.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { median, type BenchContext } from './run.ts'
import type { Gpt2Config } from '../src/main/ml/models/config.ts'
import { ALL_FUSIONS, buildGpt2DecoderGraph, type Gpt2Fusions } from '../src/main/ml/models/gpt2.ts'
import { gpt2WeightSpec } from '../src/main/ml/models/weight-names.ts'
import { randomWeights } from '../src/main/ml/packs/random-pack.ts'
import { emitOnnx } from '../src/main/ml/graph/emit-onnx.ts'
import { optimizeForInference } from '../src/main/ml/graph/optimize.ts'
import { Gpt2DecoderStep } from '../src/main/ml/pipeline/gpt2-decoder-step.ts'
import { stepInput, type DecoderCache, type StepHead } from '../src/main/ml/decoding/decoder-step.ts'
import { range } from '../src/main/ml/decoding/greedy.ts'
import { round3 } from './caption-cases.ts'

export const name = 'caption-profile'

const THREADS = Math.min(2, os.availableParallelism())
const PREFIX = 10
const PAST_TOKENS = 10
const PROFILED_STEPS = 8
const PAIRS = 12

interface ProfileEvent {
  cat: string
  name: string
  ts: number
  dur: number
  args?: { op_name?: string }
}

export interface OpShare {
  share: number
  msPerStep: number
  nodesPerStep: number
}

/** Node kernel time by op type over the `runs` last model runs of an ORT profile (JSON trace events). */
export function aggregateProfile(events: ProfileEvent[], runs: number): { kernelMsPerStep: number; runMsPerStep: number; byOp: Record<string, OpShare> } {
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts)
  const windows = modelRuns.slice(-runs)
  if (windows.length < runs) throw new Error(`profile has ${modelRuns.length} model runs, expected at least ${runs}`)
  const inWindow = (e: ProfileEvent) => windows.some((w) => e.ts >= w.ts && e.ts <= w.ts + w.dur)
  const totals = new Map<string, { us: number; n: number }>()
  let kernelUs = 0
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !inWindow(e)) continue
    const op = e.args?.op_name ?? 'unknown'
    const t = totals.get(op) ?? { us: 0, n: 0 }
    t.us += e.dur
    t.n += 1
    totals.set(op, t)
    kernelUs += e.dur
  }
  const byOp: Record<string, OpShare> = {}
  for (const [op, t] of [...totals].sort((a, b) => b[1].us - a[1].us)) {
    byOp[op] = { share: round3(t.us / kernelUs), msPerStep: round3(t.us / 1000 / runs), nodesPerStep: t.n / runs }
  }
  const runUs = windows.reduce((a, w) => a + w.dur, 0)
  return { kernelMsPerStep: round3(kernelUs / 1000 / runs), runMsPerStep: round3(runUs / 1000 / runs), byOp }
}

/** Prefill and 10 decode steps, then `steps` more timed steps at the same past length (past = prefix + 10 tokens). */
/** Prefill and 10 decode steps; then `timeStep()` runs (and times, in ms) one more step at that past length, as often as asked. */
async function prepareSteps(
  session: ort.InferenceSession,
  cfg: Gpt2Config,
  batch: number,
  head: StepHead = 'argmax',
): Promise<{ pastLength: number; timeStep: () => Promise<number> }> {
  const step = new Gpt2DecoderStep(session, cfg)
  const E = cfg.nEmbd
  const prefixEmbeds = new Float32Array(batch * PREFIX * E)
  for (let i = 0; i < prefixEmbeds.length; i++) prefixEmbeds[i] = Math.sin(i * 0.37) * 0.5
  let out = await step.run({
    ...stepInput({ batch, pastLength: 0, prefixEmbeds, prefixLength: PREFIX, cacheOrder: range(batch), cache: null }),
    head,
  })
  let cache: DecoderCache = out.cache
  let pastLength = PREFIX
  const next = () => (out.nextTokens ? Int32Array.from(out.nextTokens) : Int32Array.from({ length: batch }, (_, r) => out.topK!.ids[r * out.topK!.k]!))
  for (let t = 0; t < PAST_TOKENS; t++) {
    out = await step.run({ ...stepInput({ batch, pastLength, inputIds: next(), cacheOrder: range(batch), cache }), head })
    cache = out.cache
    pastLength++
  }
  const ids = next()
  const finalCache = cache
  const finalPast = pastLength
  return {
    pastLength,
    timeStep: async () => {
      const t0 = performance.now()
      await step.run({ ...stepInput({ batch, pastLength: finalPast, inputIds: ids, cacheOrder: range(batch), cache: finalCache }), head })
      return performance.now() - t0
    },
  }
}

async function timedDecodeSteps(
  session: ort.InferenceSession,
  cfg: Gpt2Config,
  batch: number,
  steps: number,
): Promise<{ pastLength: number; times: number[] }> {
  const prepared = await prepareSteps(session, cfg, batch)
  const times: number[] = []
  for (let r = 0; r < steps; r++) times.push(await prepared.timeStep())
  return { pastLength: prepared.pastLength, times }
}

/** Profile decode steps of the decoder at `modelPath` at one batch size. */
export async function profileDecodeStep(
  modelPath: string,
  cfg: Gpt2Config,
  batch: number,
  profileDir: string,
  sessionOptions: ort.InferenceSession.SessionOptions = {},
): Promise<Record<string, unknown>> {
  const prefix = path.join(profileDir, `b${batch}-${Date.now()}`)
  const session = await ort.InferenceSession.create(modelPath, {
    ...decoderSessionOptions(PLACEMENTS[0]!),
    ...sessionOptions,
    enableProfiling: true,
    profileFilePrefix: prefix,
  })
  try {
    const { pastLength, times } = await timedDecodeSteps(session, cfg, batch, PROFILED_STEPS)
    session.endProfiling()
    const file = fs
      .readdirSync(profileDir)
      .map((f) => path.join(profileDir, f))
      .find((f) => f.startsWith(prefix) && f.endsWith('.json'))
    if (!file) throw new Error(`no profile file ${prefix}*.json`)
    const events = JSON.parse(fs.readFileSync(file, 'utf8')) as ProfileEvent[]
    return { batch, pastLength, stepMs: round3(median(times)), ...aggregateProfile(events, PROFILED_STEPS) }
  } finally {
    await session.release()
  }
}

/** A thread placement: ORT's intra-op pool, inter-op pool and executor. */
export interface Placement {
  intra: number
  inter: number
  mode: 'sequential' | 'parallel'
  spinning: boolean
}

const PLACEMENTS: Placement[] = [
  { intra: THREADS, inter: 1, mode: 'sequential', spinning: false },
  { intra: 1, inter: 1, mode: 'sequential', spinning: false },
  { intra: 1, inter: THREADS, mode: 'parallel', spinning: false },
  { intra: THREADS, inter: THREADS, mode: 'parallel', spinning: false },
  { intra: THREADS, inter: 1, mode: 'sequential', spinning: true },
]

const placementName = (p: Placement) => `intra${p.intra}-inter${p.inter}-${p.mode}${p.spinning ? '-spin' : ''}`

function decoderSessionOptions(p: Placement): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: p.mode,
    interOpNumThreads: p.inter,
    intraOpNumThreads: p.intra,
    extra: {
      session: {
        intra_op: { allow_spinning: p.spinning ? '1' : '0' },
        ...(p.mode === 'parallel' ? { inter_op: { allow_spinning: p.spinning ? '1' : '0' } } : {}),
      },
    },
  }
}

interface Contender {
  name: string
  modelPath: string
  options: ort.InferenceSession.SessionOptions
  head?: StepHead
}

/**
 * Each contender against the first, in pairs: both sessions open, their steps
 * alternated one by one (ABBA...), so load that comes and goes on a shared
 * machine hits both alike. Per batch: each side's median step (ms) and the
 * median of the per-pair ratios first / other (> 1: the other is faster).
 */
async function compare(ctx: BenchContext, what: string, contenders: Contender[], cfg: Gpt2Config, batches: number[]): Promise<Record<string, unknown>> {
  const [base, ...others] = contenders
  const out: Record<string, Record<string, unknown>> = {}
  for (const b of batches) out[`batch${b}`] = {}
  const open = (c: Contender) =>
    c.head && c.modelPath === base!.modelPath && c.options === base!.options ? null : ort.InferenceSession.create(c.modelPath, c.options)
  const baseSession = await ort.InferenceSession.create(base!.modelPath, base!.options)
  const loads: number[] = []
  try {
    for (const c of others) {
      ctx.log(`${what}: ${base!.name} against ${c.name}`)
      loads.push(os.loadavg()[0]!)
      const own = await open(c)
      try {
        for (const b of batches) {
          const x = await prepareSteps(baseSession, cfg, b, base!.head)
          const y = await prepareSteps(own ?? baseSession, cfg, b, c.head)
          const tx: number[] = []
          const ty: number[] = []
          const ratios: number[] = []
          for (let i = 0; i < PAIRS; i++) {
            const [first, second] = i % 2 ? [y, x] : [x, y]
            const t1 = await first.timeStep()
            const t2 = await second.timeStep()
            const [a, bb] = i % 2 ? [t2, t1] : [t1, t2]
            tx.push(a)
            ty.push(bb)
            ratios.push(a / bb)
          }
          out[`batch${b}`]![c.name] = { stepMs: round3(median(ty)), [`${base!.name}StepMs`]: round3(median(tx)), speedup: round3(median(ratios)) }
        }
      } finally {
        await own?.release()
      }
    }
  } finally {
    await baseSession.release()
  }
  return { against: base!.name, pairs: PAIRS, loadAverage1mPerPair: loads, ...out }
}

const VARIANTS: [string, Gpt2Fusions | undefined][] = [
  ['primitive', undefined],
  ['attention', { attention: true }],
  ['skipLayerNorm', { skipLayerNorm: true }],
  ['biasGelu', { biasGelu: true }],
  ['allFused', ALL_FUSIONS],
]

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const loadAverageAtStart = os.loadavg()
  const cfg: Gpt2Config = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: ctx.quick ? 2 : 12, nHead: 12, layerNormEps: 1e-5 }
  ctx.log(`building the GPT-2 decoders (${cfg.nLayer} layers, random weights)`)
  const weights = randomWeights(gpt2WeightSpec(cfg), 7)
  const models = new Map<string, string>()
  for (const [variant, fusions] of VARIANTS) {
    const graph = optimizeForInference(buildGpt2DecoderGraph(weights, cfg, fusions ? { fusions } : {}))
    models.set(variant, emitOnnx(graph, { dir: path.join(ctx.tmpDir, variant), fileName: 'decoder.onnx' }).modelPath)
  }
  weights.clear()
  const profileBatches = (process.env.PHOTOCAP_BENCH_PROFILE_BATCHES ?? '16,1').split(',').map(Number)
  const profileDir = path.join(ctx.tmpDir, 'profiles')
  fs.mkdirSync(profileDir, { recursive: true })
  const profiles: Record<string, Record<string, unknown>> = {}
  for (const variant of ['primitive', 'allFused']) {
    profiles[variant] = {}
    for (const b of profileBatches) {
      ctx.log(`profiling ${variant} decode steps at batch ${b}`)
      profiles[variant][`batch${b}`] = await profileDecodeStep(models.get(variant)!, cfg, b, profileDir)
    }
  }
  const base = decoderSessionOptions(PLACEMENTS[0]!)
  const fusions = await compare(
    ctx,
    'kernels',
    [
      ...VARIANTS.map(([variant]) => ({ name: variant, modelPath: models.get(variant)!, options: base })),
      // What a greedy step cost before top_k 0 emptied the beam summaries it does not read.
      { name: 'primitiveTopK1', modelPath: models.get('primitive')!, options: base, head: { topK: 1 } },
    ],
    cfg,
    [16, 1],
  )
  const placements = process.env.PHOTOCAP_BENCH_NO_PLACEMENTS
    ? null
    : await compare(
        ctx,
        'threads',
        PLACEMENTS.map((p) => ({ name: placementName(p), modelPath: models.get('primitive')!, options: decoderSessionOptions(p) })),
        cfg,
        [16, 1],
      )
  return {
    threads: THREADS,
    layers: cfg.nLayer,
    step: `decode step with past ${PREFIX + PAST_TOKENS} (prefix ${PREFIX} + ${PAST_TOKENS} tokens), greedy head; ${PROFILED_STEPS} steps profiled`,
    loadAverageAtStart,
    profiles,
    fusions,
    placements,
    loadAverageAtEnd: os.loadavg(),
  }
}
