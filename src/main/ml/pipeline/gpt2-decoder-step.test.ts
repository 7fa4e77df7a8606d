// The decoding algorithms on the real GPT-2 graph, against the golden e2e
// captions (golden/e2e/captions.json): greedy tokens and all five
// beams (tokens, lengths, order, scores) from the stored prefixes; KV-cache
// decoding equals full recomputation; batched equals one by one.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { emitOnnx } from '../graph/emit-onnx.ts'
import { optimizeForInference } from '../graph/optimize.ts'
import { parseGpt2Config, readJsonFile, type Gpt2Config } from '../models/config.ts'
import { ALL_FUSIONS, buildGpt2DecoderGraph, buildGpt2FullGraph } from '../models/gpt2.ts'
import { normalizeGpt2Weights } from '../models/weight-names.ts'
import { readSafetensors } from '../weights/safetensors.ts'
import { golden, tmpDir } from '../models/testing/golden.ts'
import { generateGreedy } from '../decoding/greedy.ts'
import { generateBeam } from '../decoding/beam.ts'
import { rowTopLogProbs, stepInput, type DecoderRunInput, type DecoderRunOutput, type DecoderStep } from '../decoding/decoder-step.ts'
import { argmaxRow } from '../decoding/log-prob.ts'
import { range } from '../decoding/greedy.ts'
import { Gpt2DecoderStep } from './gpt2-decoder-step.ts'

interface GoldenBeam {
  tokens: number[]
  length: number
  score: number
  stopped: boolean
}
interface GoldenCase {
  id: string
  prefix_length: number
  greedy: { tokens: number[] }
  beam: { beams: GoldenBeam[]; order_by_score: number[] }
}

const captions = JSON.parse(fs.readFileSync(golden('e2e', 'captions.json'), 'utf8')) as { cases: GoldenCase[] }
const tensors = readSafetensors(golden('e2e', 'tensors.safetensors'))
const cases = captions.cases
const K = cases[0]!.prefix_length
const prefixOf = (c: GoldenCase): Float32Array => tensors.get(`${c.id}.prefix_embeds`)!.data as Float32Array

let dir: string
let cfg: Gpt2Config
let fullSession: ort.InferenceSession
/** The decoder with primitive ops and with every fused kernel ([Note: fused decoder kernels]): each must give the goldens. */
const VARIANTS = ['primitive ops', 'fused kernels'] as const
const sessions = new Map<string, ort.InferenceSession>()
let decoderSession: ort.InferenceSession
let step: Gpt2DecoderStep

beforeAll(async () => {
  dir = tmpDir('photocap-decode-')
  cfg = parseGpt2Config(readJsonFile(golden('gpt2_tiny', 'config.json')))
  const weights = normalizeGpt2Weights(readSafetensors(golden('gpt2_tiny', 'model.safetensors')), cfg, 'gpt2_tiny')
  const dec = emitOnnx(optimizeForInference(buildGpt2DecoderGraph(weights, cfg)), { dir, fileName: 'dec.onnx' })
  const fused = emitOnnx(optimizeForInference(buildGpt2DecoderGraph(weights, cfg, { fusions: ALL_FUSIONS })), { dir, fileName: 'dec-fused.onnx' })
  const full = emitOnnx(optimizeForInference(buildGpt2FullGraph(weights, cfg)), { dir, fileName: 'full.onnx' })
  const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 }
  sessions.set(VARIANTS[0], await ort.InferenceSession.create(dec.modelPath, opts))
  sessions.set(VARIANTS[1], await ort.InferenceSession.create(fused.modelPath, opts))
  fullSession = await ort.InferenceSession.create(full.modelPath, opts)
})

afterAll(async () => {
  for (const s of sessions.values()) await s.release()
  await fullSession?.release()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** The decoder session's feeds for a first step (no past), as Gpt2DecoderStep builds them. */
function rawFeeds(input: DecoderRunInput): Record<string, ort.Tensor> {
  const B = input.batch
  const d = cfg.nEmbd / cfg.nHead
  const feeds: Record<string, ort.Tensor> = {
    prefix_embeds: new ort.Tensor('float32', input.prefixEmbeds, [B, input.prefixLength, cfg.nEmbd]),
    input_ids: new ort.Tensor('int64', new BigInt64Array(0), [B, 0]),
    attention_mask: new ort.Tensor('int64', input.attentionMask, [B, input.prefixLength]),
    position_ids: new ort.Tensor('int64', input.positionIds, [B, input.prefixLength]),
    cache_order: new ort.Tensor('int64', input.cacheOrder, [B]),
  }
  for (let i = 0; i < cfg.nLayer; i++) {
    for (const kv of ['key', 'value']) feeds[`past.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [B, cfg.nHead, 0, d])
  }
  return feeds
}

function stack(list: Float32Array[]): Float32Array {
  const out = new Float32Array(list.reduce((s, a) => s + a.length, 0))
  let o = 0
  for (const a of list) {
    out.set(a, o)
    o += a.length
  }
  return out
}

describe.each(VARIANTS)('decoding on the golden GPT-2 (e2e captions), decoder with %s', (variant) => {
  beforeAll(() => {
    decoderSession = sessions.get(variant)!
    step = new Gpt2DecoderStep(decoderSession, cfg)
  })

  it('greedy: every case token for token, batched across all cases', async () => {
    const res = await generateGreedy(step, stack(cases.map(prefixOf)), cases.length, K)
    res.forEach((r, i) => expect(r.tokens, cases[i]!.id).toEqual(cases[i]!.greedy.tokens))
  })

  it('beam 5: all beams with order, lengths and scores, batched across all cases', async () => {
    const res = await generateBeam(step, stack(cases.map(prefixOf)), cases.length, K)
    res.forEach((r, i) => {
      const c = cases[i]!
      const expected = c.beam.order_by_score.map((j) => c.beam.beams[j]!)
      expect(
        r.beams.map((b) => b.tokens),
        c.id,
      ).toEqual(expected.map((b) => b.tokens))
      expect(
        r.beams.map((b) => b.length),
        c.id,
      ).toEqual(expected.map((b) => b.length))
      expect(
        r.beams.map((b) => b.stopped),
        c.id,
      ).toEqual(expected.map((b) => b.stopped))
      r.beams.forEach((b, j) => expect(Math.abs(b.score - expected[j]!.score), `${c.id} beam ${j} score`).toBeLessThan(1e-4))
    })
  })

  it('batched equals one by one (greedy and beam)', async () => {
    const batchedG = await generateGreedy(step, stack(cases.map(prefixOf)), cases.length, K)
    const batchedB = await generateBeam(step, stack(cases.map(prefixOf)), cases.length, K)
    for (const [i, c] of cases.slice(0, 3).entries()) {
      const g = await generateGreedy(step, prefixOf(c), 1, K)
      expect(g[0]).toEqual(batchedG[i])
      const b = await generateBeam(step, prefixOf(c), 1, K)
      expect(b[0]!.beams.map((x) => x.tokens)).toEqual(batchedB[i]!.beams.map((x) => x.tokens))
      b[0]!.beams.forEach((x, j) => expect(Math.abs(x.score - batchedB[i]!.beams[j]!.score)).toBeLessThan(1e-5))
    }
  })

  // [Note: decoding inside the graph]: the same captions when JavaScript scans the full logits.
  const fullLogits: DecoderStep = {
    get vocabSize() {
      return step.vocabSize
    },
    get embedDim() {
      return step.embedDim
    },
    run: (input: DecoderRunInput) => step.run({ ...input, head: 'logits' }),
  }

  it('in-graph arg-max and top-k give the same tokens and scores as scanning the logits', async () => {
    const flat = stack(cases.map(prefixOf))
    const viaGraph = await generateGreedy(step, flat, cases.length, K)
    expect(await generateGreedy(fullLogits, flat, cases.length, K)).toEqual(viaGraph)
    const beamGraph = await generateBeam(step, flat, cases.length, K)
    const beamJs = await generateBeam(fullLogits, flat, cases.length, K)
    beamGraph.forEach((r, i) => {
      expect(r.beams.map((b) => b.tokens)).toEqual(beamJs[i]!.beams.map((b) => b.tokens))
      r.beams.forEach((b, j) => expect(Math.abs(b.score - beamJs[i]!.beams[j]!.score)).toBeLessThan(1e-6))
    })
  })

  it("the graph summaries are the logits' arg-max, top-k (ties lower index first) and log-softmax", async () => {
    const flat = stack(cases.map(prefixOf))
    const input = stepInput({ batch: cases.length, pastLength: 0, prefixEmbeds: flat, prefixLength: K, cacheOrder: range(cases.length), cache: null })
    const logits = (await step.run({ ...input, head: 'logits' })).logits!
    const greedy = await step.run({ ...input, head: 'argmax' })
    const top = await step.run({ ...input, head: { topK: 7 } })
    expect(greedy.logits).toBeUndefined()
    expect(top.logits).toBeUndefined()
    // top_k 0 (what a greedy step feeds): the beam summaries have no rows, the arg-max is unchanged.
    const feeds = { ...rawFeeds(input), top_k: new ort.Tensor('int64', BigInt64Array.of(0n), [1]) }
    const none = await decoderSession.run(feeds, ['next_token', 'top_values', 'row_sum_exp'])
    expect(none.top_values!.dims[0]).toBe(0)
    expect(none.row_sum_exp!.dims).toEqual([0])
    expect(Array.from(none.next_token!.data as BigInt64Array, Number)).toEqual(Array.from(greedy.nextTokens!))
    const V = cfg.vocabSize
    for (let r = 0; r < cases.length; r++) {
      expect(greedy.nextTokens![r]).toBe(argmaxRow(logits, r, V))
      const want = rowTopLogProbs({ logits, cache: null }, r, V, 7)
      const got = rowTopLogProbs(top, r, V, 7)
      expect(got.tokens).toEqual(want.tokens)
      got.logProbs.forEach((lp, j) => expect(Math.abs(lp - want.logProbs[j]!)).toBeLessThan(1e-5))
    }
  })

  it('KV-cache decoding equals full recomputation at every step', async () => {
    // Record the logits the cached decoder produced at each greedy step.
    const seen: Float32Array[] = []
    const recording: DecoderStep = {
      vocabSize: step.vocabSize,
      embedDim: step.embedDim,
      async run(input: DecoderRunInput): Promise<DecoderRunOutput> {
        const out = await step.run({ ...input, head: 'logits' })
        seen.push(out.logits!.slice())
        return out
      },
    }
    const c = cases.find((x) => x.greedy.tokens.length > 20) ?? cases[0]!
    const res = await generateGreedy(recording, prefixOf(c), 1, K)
    const tokens = res[0]!.tokens
    // Full graph over prefix + all tokens but the last: logits at every position.
    const T = K + tokens.length - 1
    const ids = BigInt64Array.from(tokens.slice(0, -1), (t) => BigInt(t))
    const out = await fullSession.run({
      prefix_embeds: new ort.Tensor('float32', prefixOf(c), [1, K, cfg.nEmbd]),
      input_ids: new ort.Tensor('int64', ids, [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
        [1, T],
      ),
    })
    const all = out.logits!.data as Float32Array
    const V = cfg.vocabSize
    expect(seen.length).toBe(tokens.length)
    let worst = 0
    for (let s = 0; s < tokens.length; s++) {
      const row = all.subarray((K - 1 + s) * V, (K + s) * V)
      for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(row[v]! - seen[s]![v]!))
    }
    expect(worst).toBeLessThan(1e-4)
  })
})
