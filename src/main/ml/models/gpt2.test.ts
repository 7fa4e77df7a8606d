import type * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseGpt2Config, readJsonFile, type Gpt2Config } from './config.ts'
import { ALL_FUSIONS, buildGpt2DecoderGraph, buildGpt2FullGraph, type Gpt2Fusions } from './gpt2.ts'
import { allcloseReport, f32Tensor, golden, i64Tensor, openGraph, readGolden, tensor } from './testing/golden.ts'
import { normalizeGpt2Weights, type WeightMap } from './weight-names.ts'

const TOL = { atol: 1e-4, rtol: 1e-4 }

let cfg: Gpt2Config
let weights: WeightMap
let full: ort.InferenceSession
/** The decoder graph per kernel choice ([Note: fused decoder kernels]): every decoder test runs on each. */
const VARIANTS: [string, Gpt2Fusions | undefined][] = [
  ['primitive ops', undefined],
  ['fused MultiHeadAttention', { attention: true }],
  ['fused SkipLayerNormalization', { skipLayerNorm: true }],
  ['fused FastGelu with bias', { biasGelu: true }],
  ['all fused kernels', ALL_FUSIONS],
]
const decoders = new Map<string, ort.InferenceSession>()
let decoder: ort.InferenceSession
const cases = readGolden('gpt2_tiny', 'cases.safetensors')

beforeAll(async () => {
  cfg = parseGpt2Config(readJsonFile(golden('gpt2_tiny', 'config.json')))
  weights = normalizeGpt2Weights(readGolden('gpt2_tiny', 'model.safetensors'), cfg, 'gpt2_tiny/model.safetensors')
  full = await openGraph(buildGpt2FullGraph(weights, cfg, { debugHidden: true }))
  for (const [name, fusions] of VARIANTS) decoders.set(name, await openGraph(buildGpt2DecoderGraph(weights, cfg, fusions ? { fusions } : {})))
})

const V = 50257

function ones(n: number): BigInt64Array {
  return new BigInt64Array(n).fill(1n)
}

function positions(batch: number, start: number, len: number): BigInt64Array {
  const out = new BigInt64Array(batch * len)
  for (let b = 0; b < batch; b++) for (let t = 0; t < len; t++) out[b * len + t] = BigInt(start + t)
  return out
}

/** Run the full (no cache) graph; returns logits [B,T,V] and hidden [B,T,E]. */
async function runFull(
  prefix: Float32Array,
  prefixLen: number,
  ids: number[],
  batch: number,
): Promise<{ logits: Float32Array; hidden: Float32Array; T: number }> {
  const ti = ids.length / batch
  const T = prefixLen + ti
  const out = await full.run({
    prefix_embeds: f32Tensor(prefix, [batch, prefixLen, cfg.nEmbd]),
    input_ids: i64Tensor(ids, [batch, ti]),
    attention_mask: i64Tensor(ones(batch * T), [batch, T]),
    position_ids: i64Tensor(positions(batch, 0, T), [batch, T]),
  })
  return { logits: out.logits!.data as Float32Array, hidden: out.hidden_after_ln_f!.data as Float32Array, T }
}

interface Past {
  keys: ort.Tensor[]
  values: ort.Tensor[]
  len: number
  batch: number
}

function emptyPast(batch: number): Past {
  const d = cfg.nEmbd / cfg.nHead
  const mk = () => f32Tensor(new Float32Array(0), [batch, cfg.nHead, 0, d])
  return { keys: Array.from({ length: cfg.nLayer }, mk), values: Array.from({ length: cfg.nLayer }, mk), len: 0, batch }
}

/** One decoder call; returns last-position logits [B,V] and the new past. */
async function runDecoder(
  past: Past,
  prefix: Float32Array,
  prefixLen: number,
  ids: number[],
  batch: number,
  order?: number[],
): Promise<{ logits: Float32Array; past: Past }> {
  const ti = ids.length / batch
  const T = prefixLen + ti
  const feeds: Record<string, ort.Tensor> = {
    prefix_embeds: f32Tensor(prefix, [batch, prefixLen, cfg.nEmbd]),
    input_ids: i64Tensor(ids, [batch, ti]),
    attention_mask: i64Tensor(ones(batch * (past.len + T)), [batch, past.len + T]),
    position_ids: i64Tensor(positions(batch, past.len, T), [batch, T]),
    cache_order: i64Tensor(order ?? Array.from({ length: batch }, (_, i) => i), [batch]),
    top_k: i64Tensor([1], [1]),
  }
  for (let i = 0; i < cfg.nLayer; i++) {
    feeds[`past.${i}.key`] = past.keys[i]!
    feeds[`past.${i}.value`] = past.values[i]!
  }
  const out = await decoder.run(feeds)
  const next: Past = { keys: [], values: [], len: past.len + T, batch }
  for (let i = 0; i < cfg.nLayer; i++) {
    next.keys.push(out[`present.${i}.key`]!)
    next.values.push(out[`present.${i}.value`]!)
  }
  expect(out.logits!.dims).toEqual([batch, V])
  expect(next.keys[0]!.dims).toEqual([batch, cfg.nHead, past.len + T, cfg.nEmbd / cfg.nHead])
  return { logits: out.logits!.data as Float32Array, past: next }
}

function top5(row: Float32Array): { ids: number[]; logits: number[] } {
  const idx = Array.from({ length: row.length }, (_, i) => i)
  idx.sort((a, b) => row[b]! - row[a]! || a - b)
  const ids = idx.slice(0, 5)
  return { ids, logits: ids.map((i) => row[i]!) }
}

function checkAllPositions(name: string, logits: Float32Array, hidden: Float32Array, B: number, T: number): void {
  const E = cfg.nEmbd
  const sub = new Float32Array(B * T * 256)
  const argmax: number[] = []
  const ids: number[] = []
  const vals: number[] = []
  for (let r = 0; r < B * T; r++) {
    const row = logits.subarray(r * V, (r + 1) * V)
    sub.set(row.subarray(0, 256), r * 256)
    const t5 = top5(row)
    argmax.push(t5.ids[0]!)
    ids.push(...t5.ids)
    vals.push(...t5.logits)
  }
  expect(allcloseReport(sub, [B, T, 256], tensor(cases, `${name}.logits_vocab_0_255`), TOL.atol, TOL.rtol)).toBeNull()
  expect(argmax).toEqual(Array.from(tensor(cases, `${name}.argmax`).data as BigInt64Array, Number))
  expect(ids).toEqual(Array.from(tensor(cases, `${name}.top5_ids`).data as BigInt64Array, Number))
  expect(allcloseReport(vals, [B, T, 5], tensor(cases, `${name}.top5_logits`), TOL.atol, TOL.rtol)).toBeNull()
  expect(allcloseReport(hidden, [B, T, E], tensor(cases, `${name}.hidden_after_ln_f`), TOL.atol, TOL.rtol)).toBeNull()
}

describe('GPT-2 golden cases (gpt2_tiny), full graph', () => {
  it('case a: token ids -> logits, argmax, top-5, hidden after ln_f (full graph)', async () => {
    const ids = Array.from(tensor(cases, 'a.input_ids').data as BigInt64Array, Number)
    const { logits, hidden, T } = await runFull(new Float32Array(0), 0, ids, 2)
    checkAllPositions('a', logits, hidden, 2, T)
    const last = new Float32Array(2 * V)
    for (let b = 0; b < 2; b++) last.set(logits.subarray((b * T + T - 1) * V, (b * T + T) * V), b * V)
    expect(allcloseReport(last, [2, V], tensor(cases, 'a.logits_last'), TOL.atol, TOL.rtol)).toBeNull()
  })

  it('right padding: masked positions do not change the real rows', async () => {
    // row 0 has 2 real tokens + 1 pad, row 1 has 3 real tokens; row 0's logits at its last real position must equal an unpadded run
    const ids = [464, 3290, 0, 464, 3290, 318]
    const mask = BigInt64Array.from([1, 1, 0, 1, 1, 1], BigInt)
    const out = await full.run({
      prefix_embeds: f32Tensor(new Float32Array(0), [2, 0, cfg.nEmbd]),
      input_ids: i64Tensor(ids, [2, 3]),
      attention_mask: i64Tensor(mask, [2, 3]),
      position_ids: i64Tensor(positions(2, 0, 3), [2, 3]),
    })
    const padded = out.logits!.data as Float32Array
    const alone = await runFull(new Float32Array(0), 0, [464, 3290], 1)
    const want = alone.logits.subarray(V, 2 * V)
    expect(allcloseReport(padded.subarray(V, 2 * V), [1, V], { dtype: 'float32', shape: [1, V], data: want }, 1e-5, 1e-5)).toBeNull()
  })
})

describe.each(VARIANTS.map(([name]) => name))('GPT-2 golden cases (gpt2_tiny), KV-cache decoder: %s', (variant) => {
  beforeAll(() => {
    decoder = decoders.get(variant)!
  })

  it('case a: the KV-cache decoder gives logits_last from ids alone (prefix of length 0)', async () => {
    const ids = Array.from(tensor(cases, 'a.input_ids').data as BigInt64Array, Number)
    const { logits } = await runDecoder(emptyPast(2), new Float32Array(0), 0, ids, 2)
    expect(allcloseReport(logits, [2, V], tensor(cases, 'a.logits_last'), TOL.atol, TOL.rtol)).toBeNull()
  })

  it('case b: prefix embeddings + token ids (positions from the first prefix vector)', async () => {
    const prefix = tensor(cases, 'b.prefix_embeds').data as Float32Array
    const ids = Array.from(tensor(cases, 'b.token_ids').data as BigInt64Array, Number)
    const { logits, hidden, T } = await runFull(prefix, 5, ids, 1)
    expect(T).toBe(8)
    if (variant === VARIANTS[0]![0]) checkAllPositions('b', logits, hidden, 1, T)
    // the decoder in one call (prefix and ids together)
    const dec = await runDecoder(emptyPast(1), prefix, 5, ids, 1)
    expect(allcloseReport(dec.logits, [1, V], tensor(cases, 'b.logits_last'), TOL.atol, TOL.rtol)).toBeNull()
  })

  it('KV cache: prefill + decode steps equals full recomputation at every step', async () => {
    const prefix = tensor(cases, 'b.prefix_embeds').data as Float32Array
    const ids = Array.from(tensor(cases, 'b.token_ids').data as BigInt64Array, Number)
    const ref = await runFull(prefix, 5, ids, 1)
    let step = await runDecoder(emptyPast(1), prefix, 5, [], 1)
    const expectRow = (got: Float32Array, pos: number) => {
      const want = ref.logits.subarray(pos * V, (pos + 1) * V)
      expect(allcloseReport(got, [1, V], { dtype: 'float32', shape: [1, V], data: want }, 1e-4, 1e-4)).toBeNull()
    }
    expectRow(step.logits, 4)
    for (let i = 0; i < ids.length; i++) {
      step = await runDecoder(step.past, new Float32Array(0), 0, [ids[i]!], 1)
      expectRow(step.logits, 5 + i)
    }
    expect(step.past.len).toBe(8)
  })

  it('KV cache: cache_order reorders and drops rows exactly like recomputing the reordered rows', async () => {
    const E = cfg.nEmbd
    const P = 3
    const prefix = new Float32Array(3 * P * E)
    for (let i = 0; i < prefix.length; i++) prefix[i] = Math.sin(i * 0.37) * 0.5
    const firstTokens = [11, 200, 3000]
    // prefill three rows, then one token each
    let s = await runDecoder(emptyPast(3), prefix, P, [], 3)
    s = await runDecoder(s.past, new Float32Array(0), 0, firstTokens, 3)
    // beam-style reorder: new rows continue old rows [2, 0, 2]; row 1 is dropped
    const order = [2, 0, 2]
    const next = [7, 8, 9]
    const got = await runDecoder(s.past, new Float32Array(0), 0, next, 3, order)
    expect(got.past.batch).toBe(3)
    // recompute each reordered row from scratch
    for (let r = 0; r < 3; r++) {
      const src = order[r]!
      const ref = await runFull(prefix.slice(src * P * E, (src + 1) * P * E), P, [firstTokens[src]!, next[r]!], 1)
      const want = ref.logits.subarray((ref.T - 1) * V, ref.T * V)
      expect(allcloseReport(got.logits.subarray(r * V, (r + 1) * V), [1, V], { dtype: 'float32', shape: [1, V], data: want }, 1e-4, 1e-4)).toBeNull()
    }
    // shrinking the batch: keep only old row 1
    const one = await runDecoder(s.past, new Float32Array(0), 0, [5], 1, [1])
    const ref1 = await runFull(prefix.slice(P * E, 2 * P * E), P, [firstTokens[1]!, 5], 1)
    expect(allcloseReport(one.logits, [1, V], { dtype: 'float32', shape: [1, V], data: ref1.logits.subarray((ref1.T - 1) * V) }, 1e-4, 1e-4)).toBeNull()
  })
})
