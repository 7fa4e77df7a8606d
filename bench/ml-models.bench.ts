// Component figures of the ML engine's compiled graphs at real size with
// random weights: compile time, session load time, CLIP towers per image,
// mapping, GPT-2 prefill and decode-step latency per batch size, peak RSS.
// (End-to-end captions per second are measured by the pipeline benchmark.)
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { median, type BenchContext } from './run.ts'
import { buildClipTextGraph, buildClipVisionGraph } from '../src/main/ml/models/clip.ts'
import type { ClipConfig, Gpt2Config, MappingConfig } from '../src/main/ml/models/config.ts'
import { buildGpt2DecoderGraph } from '../src/main/ml/models/gpt2.ts'
import { buildMappingGraph } from '../src/main/ml/models/mapping.ts'
import { clipTextWeightSpec, clipVisionWeightSpec, gpt2WeightSpec, mappingWeightSpec, type WeightMap } from '../src/main/ml/models/weight-names.ts'
import { emitOnnx } from '../src/main/ml/graph/emit-onnx.ts'
import { optimizeForInference } from '../src/main/ml/graph/optimize.ts'
import type { Graph } from '../src/main/ml/graph/ir.ts'

export const name = 'ml-models'

function randomWeights(spec: [string, number[]][], seed: number): WeightMap {
  let s = seed >>> 0
  const out: WeightMap = new Map()
  for (const [n, shape] of spec) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1))
    if (/(ln_|norm|layrnorm|layernorm).*weight$/.test(n)) data.fill(1)
    else {
      for (let i = 0; i < data.length; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0
        data[i] = (s / 2 ** 32 - 0.5) * 0.04
      }
    }
    out.set(n, { dtype: 'float32', shape, data })
  }
  return out
}

async function compileAndLoad(graph: Graph, dir: string, threads: number): Promise<{ session: ort.InferenceSession; compileMs: number; loadMs: number }> {
  const t0 = performance.now()
  const res = emitOnnx(optimizeForInference(graph), { dir, fileName: 'model.onnx' })
  const compileMs = performance.now() - t0
  const t1 = performance.now()
  const session = await ort.InferenceSession.create(res.modelPath, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' })
  return { session, compileMs, loadMs: performance.now() - t1 }
}

async function timeIt(fn: () => Promise<unknown>, reps: number): Promise<number> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  return median(times)
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const threads = Math.min(2, os.cpus().length)
  const layers = ctx.quick ? 2 : 12
  const reps = ctx.quick ? 2 : 5
  let peakRss = process.memoryUsage().rss
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss))
  const figures: Record<string, unknown> = { threads, layers, note: 'random weights; ViT-B/32, CLIP text 512, GPT-2 124M shapes' }

  // CLIP ViT-B/32
  const clipCfg: ClipConfig = {
    projectionDim: 512,
    vision: { hidden: 768, layers, heads: 12, intermediate: 3072, eps: 1e-5, imageSize: 224, patchSize: 32 },
    text: { hidden: 512, layers, heads: 8, intermediate: 2048, eps: 1e-5, vocabSize: 49408, maxPositions: 77 },
  }
  ctx.log('CLIP vision')
  const vision = await compileAndLoad(buildClipVisionGraph(randomWeights(clipVisionWeightSpec(clipCfg), 1), clipCfg), path.join(ctx.tmpDir, 'vision'), threads)
  sample()
  const visionFigures: Record<string, number> = { compile_ms: vision.compileMs, load_ms: vision.loadMs }
  for (const b of [1, 8]) {
    const px = new ort.Tensor('float32', new Float32Array(b * 3 * 224 * 224).fill(0.1), [b, 3, 224, 224])
    visionFigures[`ms_per_image_batch${b}`] = (await timeIt(() => vision.session.run({ pixel_values: px }), reps)) / b
  }
  figures.clip_vision = visionFigures
  await vision.session.release()

  ctx.log('CLIP text')
  const text = await compileAndLoad(buildClipTextGraph(randomWeights(clipTextWeightSpec(clipCfg), 2), clipCfg), path.join(ctx.tmpDir, 'text'), threads)
  sample()
  const ids = new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: 16 }, (_, i) => BigInt(i === 15 ? 49407 : 400 + i)),
    [1, 16],
  )
  figures.clip_text = {
    compile_ms: text.compileMs,
    load_ms: text.loadMs,
    ms_per_text_16_tokens: await timeIt(() => text.session.run({ input_ids: ids }), reps),
  }
  await text.session.release()

  // Transformer mappings (8 layers), prefix 10 and 40
  const mappingFigures: Record<string, number> = {}
  for (const k of [10, 40]) {
    ctx.log(`mapping prefix ${k}`)
    const cfg: MappingConfig = {
      type: 'transformer',
      prefixLength: k,
      clipLength: k,
      numLayers: ctx.quick ? 2 : 8,
      clipDim: 512,
      prefixDim: 768,
      normalizePrefix: true,
      mlpHiddenDim: 0,
      numHeads: 8,
      mlpRatio: 2,
    }
    const m = await compileAndLoad(buildMappingGraph(randomWeights(mappingWeightSpec(cfg), 3 + k), cfg), path.join(ctx.tmpDir, `mapping${k}`), threads)
    sample()
    const clip = new ort.Tensor('float32', new Float32Array(512).fill(0.05), [1, 512])
    mappingFigures[`prefix${k}_compile_ms`] = m.compileMs
    mappingFigures[`prefix${k}_load_ms`] = m.loadMs
    mappingFigures[`prefix${k}_ms_batch1`] = await timeIt(() => m.session.run({ clip_embedding: clip }), reps)
    await m.session.release()
  }
  figures.mapping_transformer = mappingFigures

  // GPT-2 124M decoder
  ctx.log('GPT-2 decoder')
  const gptCfg: Gpt2Config = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: layers, nHead: 12, layerNormEps: 1e-5 }
  const gpt = await compileAndLoad(buildGpt2DecoderGraph(randomWeights(gpt2WeightSpec(gptCfg), 9), gptCfg), path.join(ctx.tmpDir, 'gpt2'), threads)
  sample()
  const gptFigures: Record<string, number> = { compile_ms: gpt.compileMs, load_ms: gpt.loadMs }
  const K = 10
  for (const b of ctx.quick ? [1, 8] : [1, 5, 8, 16, 25]) {
    const feeds: Record<string, ort.Tensor> = {}
    const d = 64
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [b, 12, 0, d])
    const reset = () => {
      for (let i = 0; i < gptCfg.nLayer; i++) {
        feeds[`past.${i}.key`] = empty()
        feeds[`past.${i}.value`] = empty()
      }
    }
    const step = async (prefix: number, idsLen: number, past: number) => {
      const T = prefix + idsLen
      feeds.prefix_embeds = new ort.Tensor('float32', new Float32Array(b * prefix * 768).fill(0.01), [b, prefix, 768])
      feeds.input_ids = new ort.Tensor('int64', new BigInt64Array(b * idsLen).fill(11n), [b, idsLen])
      feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(b * (past + T)).fill(1n), [b, past + T])
      feeds.position_ids = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: b * T }, (_, i) => BigInt(past + (i % T))),
        [b, T],
      )
      feeds.cache_order = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: b }, (_, i) => BigInt(i)),
        [b],
      )
      const out = await gpt.session.run(feeds)
      for (let i = 0; i < gptCfg.nLayer; i++) {
        feeds[`past.${i}.key`] = out[`present.${i}.key`]!
        feeds[`past.${i}.value`] = out[`present.${i}.value`]!
      }
    }
    reset()
    const prefill = await timeIt(async () => {
      reset()
      await step(K, 0, 0)
    }, reps)
    const steps: number[] = []
    for (let s = 0; s < (ctx.quick ? 3 : 15); s++) {
      const t = performance.now()
      await step(0, 1, K + s)
      steps.push(performance.now() - t)
      sample()
    }
    gptFigures[`batch${b}_prefill_ms`] = prefill
    gptFigures[`batch${b}_step_ms`] = median(steps)
    gptFigures[`batch${b}_ms_per_row_token`] = median(steps) / b
  }
  figures.gpt2_decoder = gptFigures
  await gpt.session.release()
  figures.peak_rss_mib = Math.round(peakRss / 2 ** 20)
  figures.load_average_1min = os.loadavg()[0]
  return figures
}
