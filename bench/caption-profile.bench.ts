// Where one GPT-2 decode step spends its time: ONNX Runtime's per-node
// profiling of the real-size decoder (GPT-2 124M, random weights) at batch 16
// and batch 1, aggregated by op type (as ORT runs them, i.e. after its own
// graph fusions). The step profiled is the middle of a 20-token caption:
// prefix 10 + 10 tokens of past, one new token, greedy head (next_token only).
//
// Figures per batch: stepMs (median wall time of a profiled step as seen from
// JavaScript), kernelMs (sum of the node kernels per step), and per op type
// its share of kernel time, milliseconds per step and node count per step.
//
// --quick: 2 layers instead of 12.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { median, type BenchContext } from './run.ts'
import type { Gpt2Config } from '../src/main/ml/models/config.ts'
import { buildGpt2DecoderGraph } from '../src/main/ml/models/gpt2.ts'
import { gpt2WeightSpec } from '../src/main/ml/models/weight-names.ts'
import { randomWeights } from '../src/main/ml/packs/random-pack.ts'
import { emitOnnx } from '../src/main/ml/graph/emit-onnx.ts'
import { optimizeForInference } from '../src/main/ml/graph/optimize.ts'
import { Gpt2DecoderStep } from '../src/main/ml/pipeline/gpt2-decoder-step.ts'
import { stepInput, type DecoderCache } from '../src/main/ml/decoding/decoder-step.ts'
import { range } from '../src/main/ml/decoding/greedy.ts'
import { round3 } from './caption-cases.ts'

export const name = 'caption-profile'

const THREADS = Math.min(2, os.availableParallelism())
const PREFIX = 10
const PAST_TOKENS = 10
const PROFILED_STEPS = 8

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
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads: THREADS,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...sessionOptions,
    enableProfiling: true,
    profileFilePrefix: prefix,
  })
  try {
    const step = new Gpt2DecoderStep(session, cfg)
    const E = cfg.nEmbd
    const prefixEmbeds = new Float32Array(batch * PREFIX * E)
    for (let i = 0; i < prefixEmbeds.length; i++) prefixEmbeds[i] = Math.sin(i * 0.37) * 0.5
    let out = await step.run({
      ...stepInput({ batch, pastLength: 0, prefixEmbeds, prefixLength: PREFIX, cacheOrder: range(batch), cache: null }),
      head: 'argmax',
    })
    let cache: DecoderCache = out.cache
    let pastLength = PREFIX
    const next = () => Int32Array.from(out.nextTokens!)
    for (let t = 0; t < PAST_TOKENS; t++) {
      out = await step.run({ ...stepInput({ batch, pastLength, inputIds: next(), cacheOrder: range(batch), cache }), head: 'argmax' })
      cache = out.cache
      pastLength++
    }
    // Profiled: the same step (past = prefix + 10 tokens) again and again.
    const ids = next()
    const times: number[] = []
    for (let r = 0; r < PROFILED_STEPS; r++) {
      const t0 = performance.now()
      await step.run({ ...stepInput({ batch, pastLength, inputIds: ids, cacheOrder: range(batch), cache }), head: 'argmax' })
      times.push(performance.now() - t0)
    }
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

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const loadAverageAtStart = os.loadavg()
  const cfg: Gpt2Config = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: ctx.quick ? 2 : 12, nHead: 12, layerNormEps: 1e-5 }
  ctx.log(`building the GPT-2 decoder (${cfg.nLayer} layers, random weights)`)
  const weights = randomWeights(gpt2WeightSpec(cfg), 7)
  const emitted = emitOnnx(optimizeForInference(buildGpt2DecoderGraph(weights, cfg)), { dir: path.join(ctx.tmpDir, 'gpt2'), fileName: 'decoder.onnx' })
  weights.clear()
  const profileDir = path.join(ctx.tmpDir, 'profiles')
  fs.mkdirSync(profileDir, { recursive: true })
  const batches: Record<string, unknown> = {}
  for (const b of [16, 1]) {
    ctx.log(`profiling decode steps at batch ${b}`)
    batches[`batch${b}`] = await profileDecodeStep(emitted.modelPath, cfg, b, profileDir)
  }
  return {
    threads: THREADS,
    layers: cfg.nLayer,
    step: `decode step with past ${PREFIX + PAST_TOKENS} (prefix ${PREFIX} + ${PAST_TOKENS} tokens), greedy head; ${PROFILED_STEPS} steps profiled`,
    loadAverageAtStart,
    batches,
    loadAverageAtEnd: os.loadavg(),
  }
}
