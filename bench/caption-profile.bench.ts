// Where one GPT-2 decode step spends its time, and what the levers on it buy:
//   profiles   ONNX Runtime's per-node profiling of the real-size decoder
//              (GPT-2 124M, random weights) at batch 16 and batch 1, kernel
//              time aggregated by op type as ORT runs them (after its own
//              fusions), for the primitive graph and the fused-kernel one
//              ([Note: fused decoder kernels] in models/gpt2.ts): per op type
//              its share of kernel time, ms per step and nodes per step;
//   fusions    median step time of each kernel choice, and of a greedy step
//              that still computes the beam summaries (top_k 1), alternated
//              round by round, as speed-ups over the primitive graph;
//   placements the same for ORT thread placements (intra-op / inter-op pool,
//              sequential or parallel executor, spinning) on the primitive
//              graph (PHOTOCAP_BENCH_NO_PLACEMENTS=1 skips them).
// The step is the middle of a 20-token caption: prefix 10 + 10 tokens of past,
// one new token, greedy head (next_token only). The load average is recorded
// per round: only figures of one run compare.
//
// --quick: 2 layers instead of 12, one round.
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
const STEPS_PER_ROUND = 5

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
async function timedDecodeSteps(
  session: ort.InferenceSession,
  cfg: Gpt2Config,
  batch: number,
  steps: number,
  head: StepHead = 'argmax',
): Promise<{ pastLength: number; times: number[] }> {
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
  const times: number[] = []
  for (let r = 0; r < steps; r++) {
    const t0 = performance.now()
    await step.run({ ...stepInput({ batch, pastLength, inputIds: ids, cacheOrder: range(batch), cache }), head })
    times.push(performance.now() - t0)
  }
  return { pastLength, times }
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
 * Decode-step medians per contender and batch, contenders alternated over
 * `rounds` (one session at a time, created afresh each round), with the
 * load average of each round: on a shared machine only figures of one run compare.
 */
async function compare(
  ctx: BenchContext,
  what: string,
  contenders: Contender[],
  cfg: Gpt2Config,
  batches: number[],
  rounds: number,
): Promise<Record<string, unknown>> {
  const times = new Map<string, number[]>()
  const loads: number[] = []
  for (let r = 0; r < rounds; r++) {
    loads.push(os.loadavg()[0]!)
    for (const c of contenders) {
      ctx.log(`${what}: ${c.name}, round ${r + 1}/${rounds}`)
      const session = await ort.InferenceSession.create(c.modelPath, c.options)
      try {
        for (const b of batches) {
          const key = `${c.name}|${b}`
          const t = await timedDecodeSteps(session, cfg, b, STEPS_PER_ROUND, c.head)
          times.set(key, [...(times.get(key) ?? []), ...t.times])
        }
      } finally {
        await session.release()
      }
    }
  }
  const out: Record<string, unknown> = { rounds, stepsPerRound: STEPS_PER_ROUND, loadAverage1mPerRound: loads }
  for (const b of batches) {
    const row: Record<string, number> = {}
    for (const c of contenders) row[c.name] = round3(median(times.get(`${c.name}|${b}`)!))
    const first = row[contenders[0]!.name]!
    const speedup: Record<string, number> = {}
    for (const c of contenders.slice(1)) speedup[c.name] = round3(first / row[c.name]!)
    const bestName = Object.entries(row).reduce((a, e) => (e[1] < a[1] ? e : a))[0]
    out[`batch${b}`] = { stepMs: row, [`speedupOver_${contenders[0]!.name}`]: speedup, best: bestName }
  }
  return out
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
  const rounds = ctx.quick ? 1 : 3
  ctx.log(`building the GPT-2 decoders (${cfg.nLayer} layers, random weights)`)
  const weights = randomWeights(gpt2WeightSpec(cfg), 7)
  const models = new Map<string, string>()
  for (const [variant, fusions] of VARIANTS) {
    const graph = optimizeForInference(buildGpt2DecoderGraph(weights, cfg, fusions ? { fusions } : {}))
    models.set(variant, emitOnnx(graph, { dir: path.join(ctx.tmpDir, variant), fileName: 'decoder.onnx' }).modelPath)
  }
  weights.clear()
  const profileDir = path.join(ctx.tmpDir, 'profiles')
  fs.mkdirSync(profileDir, { recursive: true })
  const profiles: Record<string, Record<string, unknown>> = {}
  for (const variant of ['primitive', 'allFused']) {
    profiles[variant] = {}
    for (const b of [16, 1]) {
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
    rounds,
  )
  const placements = process.env.PHOTOCAP_BENCH_NO_PLACEMENTS
    ? null
    : await compare(
        ctx,
        'threads',
        PLACEMENTS.map((p) => ({ name: placementName(p), modelPath: models.get('primitive')!, options: decoderSessionOptions(p) })),
        cfg,
        [16, 1],
        rounds,
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
