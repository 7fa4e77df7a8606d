// GPT-2 (HF GPT2LMHeadModel math) over the graph builder.
//
// [Note: one decoder graph] Inference uses ONE graph for prefill and decode
// (buildGpt2DecoderGraph below): prefix embeddings and token ids are embedded and
// concatenated in-graph, the per-layer past is reordered by `cache_order`
// (beam reordering / dropping finished rows) with a Gather on axis 0, and only
// the last position's logits are computed, so a decode step costs O(B·V·E) in
// the LM head instead of O(B·T·V·E). Training builds the same forward with
// `logits: 'all'` and no cache.
import { freshDim, GraphBuilder, type Value } from '../graph/builder.ts'
import type { Graph } from '../graph/ir.ts'
import type { Gpt2Config } from './config.ts'
import { attention, causalBias, mergeHeads, splitHeads } from './layers.ts'
import { declareParams, param, type Params } from './params.ts'
import type { WeightMap } from './weight-names.ts'

export interface Gpt2ForwardInputs {
  /** float32 [B,Tp,E] (Tp may be 0). At least one of prefixEmbeds / inputIds. */
  prefixEmbeds?: Value
  /** int64 [B,Ti] token ids, embedded with wte and appended after prefixEmbeds. */
  inputIds?: Value
  /** int64 [B, Past+T], 1 = attend (right padding only). */
  attentionMask: Value
  /** int64 [B,T] positions (0 at the first prefix vector). */
  positionIds: Value
  /** Per-layer cache; `cacheOrder` int64 [B] picks rows of the past batch. */
  past?: { key: Value; value: Value }[]
  cacheOrder?: Value
}

export interface Gpt2ForwardOptions {
  /** 'last': logits [B,V] of the last position; 'all': [B,T,V]. */
  logits: 'last' | 'all'
  /** Also return hidden states after ln_f [B,T,E] (debug/golden). */
  hidden?: boolean
  /** ONNX Runtime's fused transformer kernels instead of primitive ops (inference only: they have no gradient rules). */
  fusions?: Gpt2Fusions
}

/**
 * [Note: fused decoder kernels] Which com.microsoft kernels the GPT-2 graph
 * uses instead of primitive ops (ORT's CPU provider has all three):
 * - attention: MultiHeadAttention with the per-layer past/present in BNSH
 *   layout (needs a past input: the decoder graph), replacing split heads,
 *   concat of past, the two attention MatMuls, mask Add and Softmax;
 * - skipLayerNorm: SkipLayerNormalization, the residual Add(s) and the next
 *   LayerNorm in one kernel (ln_f then runs over every position);
 * - biasGelu: FastGelu(x, bias), the c_fc bias Add and the tanh GELU (what
 *   ORT's own fusion makes of the primitive pattern).
 * Each must give the primitive graph's tokens (gpt2.test.ts and
 * gpt2-decoder-step.test.ts check them against the goldens).
 */
export interface Gpt2Fusions {
  attention?: boolean
  skipLayerNorm?: boolean
  biasGelu?: boolean
}

/** Every fused kernel (not the compiled default: `npm run bench -- caption-profile` found them no faster on CPU, see README). */
export const ALL_FUSIONS: Gpt2Fusions = { attention: true, skipLayerNorm: true, biasGelu: true }

export interface Gpt2ForwardOutputs {
  logits: Value
  /** Per-layer key/value for all positions [B,H,Past+T,d] (always returned; unused values are pruned by ORT). */
  present: { key: Value; value: Value }[]
  hidden?: Value
}

/** The GPT-2 forward. Parameter names: canonical GPT-2 names (weight-names.ts). */
export function gpt2Forward(g: GraphBuilder, p: Params, cfg: Gpt2Config, inputs: Gpt2ForwardInputs, opts: Gpt2ForwardOptions): Gpt2ForwardOutputs {
  const E = cfg.nEmbd
  const H = cfg.nHead
  const d = E / H
  const eps = cfg.layerNormEps
  const wte = param(p, 'wte.weight')

  const parts: Value[] = []
  if (inputs.prefixEmbeds) parts.push(inputs.prefixEmbeds)
  if (inputs.inputIds) parts.push(g.gather(wte, inputs.inputIds, 0))
  if (!parts.length) throw new Error('gpt2Forward: needs prefixEmbeds or inputIds')
  const embeds = parts.length === 1 ? parts[0]! : g.concat(parts, 1)
  const fused = opts.fusions ?? {}
  const positions = g.gather(param(p, 'wpe.weight'), inputs.positionIds, 0)
  // With SkipLayerNormalization the residual stream h is summed inside the kernel that
  // also normalizes it for the next sub-layer: `pendingSkip` is what is not yet added to h
  // (a sub-layer's output and its bias; first the position embeddings).
  let h = fused.skipLayerNorm ? embeds : g.add(embeds, positions)
  let pendingSkip: { value: Value; bias: Value | null } | null = fused.skipLayerNorm ? { value: positions, bias: null } : null

  const tLen = g.dimOf(h, 1)
  const sLen = g.dimOf(inputs.attentionMask, 1)
  const bias = causalBias(g, tLen, sLen, inputs.attentionMask)

  const present: { key: Value; value: Value }[] = []
  /** LayerNorm(h) after adding what is pending (in the one fused kernel when fused). */
  const normalizeResidual = (scale: Value, shift: Value): Value => {
    if (fused.skipLayerNorm && pendingSkip) {
      const [normed, sum] = g.skipLayerNorm(h, pendingSkip.value, scale, shift, pendingSkip.bias, eps)
      h = sum
      pendingSkip = null
      return normed
    }
    return g.layerNorm(h, scale, shift, eps)
  }
  /** h += x·W + b (deferred into the next SkipLayerNormalization when fused). */
  const residual = (x: Value, weight: Value, b: Value) => {
    if (fused.skipLayerNorm) pendingSkip = { value: g.matmul(x, weight), bias: b }
    else h = g.add(h, g.linear(x, weight, b))
  }
  for (let i = 0; i < cfg.nLayer; i++) {
    const w = (n: string) => param(p, `h.${i}.${n}`)
    g.scope(`h.${i}`, () => {
      const a = normalizeResidual(w('ln_1.weight'), w('ln_1.bias'))
      const past = inputs.past?.[i]
      const order = inputs.cacheOrder
      const pastKey = past ? (order ? g.gather(past.key, order, 0) : past.key) : null
      const pastValue = past ? (order ? g.gather(past.value, order, 0) : past.value) : null
      let o: Value
      if (fused.attention && pastKey && pastValue) {
        // q, k, v [B,T,E] without their bias: the kernel adds the packed c_attn bias itself.
        const qkv = g.matmul(a, w('attn.c_attn.weight'))
        const [merged, presentKey, presentValue] = g.multiHeadAttention(
          g.slice(qkv, [0], [E], [-1]),
          g.slice(qkv, [E], [2 * E], [-1]),
          g.slice(qkv, [2 * E], [3 * E], [-1]),
          { heads: H, bias: w('attn.c_attn.bias'), attentionBias: bias, pastKey, pastValue, scale: 1 / Math.sqrt(d) },
        )
        present.push({ key: presentKey, value: presentValue })
        o = merged
      } else {
        const qkv = g.linear(a, w('attn.c_attn.weight'), w('attn.c_attn.bias'))
        const q = splitHeads(g, g.slice(qkv, [0], [E], [-1]), H, d)
        let k = splitHeads(g, g.slice(qkv, [E], [2 * E], [-1]), H, d)
        let v = splitHeads(g, g.slice(qkv, [2 * E], [3 * E], [-1]), H, d)
        if (pastKey && pastValue) {
          k = g.concat([pastKey, k], 2)
          v = g.concat([pastValue, v], 2)
        }
        present.push({ key: k, value: v })
        o = mergeHeads(g, attention(g, q, k, v, 1 / Math.sqrt(d), bias), H, d)
      }
      residual(o, w('attn.c_proj.weight'), w('attn.c_proj.bias'))
      const m = normalizeResidual(w('ln_2.weight'), w('ln_2.bias'))
      const fc = fused.biasGelu
        ? g.fastGeluBias(g.matmul(m, w('mlp.c_fc.weight')), w('mlp.c_fc.bias'))
        : g.geluTanh(g.linear(m, w('mlp.c_fc.weight'), w('mlp.c_fc.bias')))
      residual(fc, w('mlp.c_proj.weight'), w('mlp.c_proj.bias'))
    })
  }

  // Fused: ln_f over every position in one kernel with the last residual (T is 1 in a
  // decode step); primitive: later, on the last position only.
  const lnFAll = fused.skipLayerNorm ? normalizeResidual(param(p, 'ln_f.weight'), param(p, 'ln_f.bias')) : null

  const lnF = (x: Value) => g.layerNorm(x, param(p, 'ln_f.weight'), param(p, 'ln_f.bias'), eps)
  const out: Gpt2ForwardOutputs = { logits: h, present }
  let hiddenAll: Value | null = lnFAll
  if (!hiddenAll && (opts.hidden || opts.logits === 'all')) hiddenAll = lnF(h)
  if (opts.logits === 'last') {
    // ln_f and the tied head only on the last position: [B,1,E] -> [B,E] -> Gemm with wteᵀ (no transposed copy of wte).
    const last = hiddenAll ? g.slice(hiddenAll, [-1], [Infinity], [1]) : lnF(g.slice(h, [-1], [Infinity], [1]))
    out.logits = g.gemm(g.squeeze(last, [1]), wte, null, { transB: true })
  } else {
    out.logits = g.matmul(hiddenAll!, g.transpose(wte, [1, 0]))
  }
  if (opts.hidden && hiddenAll) out.hidden = hiddenAll
  return out
}

export interface Gpt2GraphOptions {
  /** Add output `hidden_after_ln_f` [B,T,E] (for golden tests). */
  debugHidden?: boolean
  /** The decoder graph's fused kernels ([Note: fused decoder kernels]); default none. */
  fusions?: Gpt2Fusions
}

/**
 * The inference decoder graph, with the I/O the decoder session (pipeline/gpt2-decoder-step.ts) relies on:
 * inputs prefix_embeds, input_ids, attention_mask, position_ids, cache_order,
 * top_k [1] (0: the beam summaries come back empty), past.{i}.key/value; outputs logits [B,V], the decoding summaries
 * next_token, top_values, top_ids, row_max, row_sum_exp ([Note: decoding
 * inside the graph]), present.{i}.key/value.
 * `weights` holds canonical GPT-2 names (normalizeGpt2Weights).
 */
export function buildGpt2DecoderGraph(weights: WeightMap, cfg: Gpt2Config, opts: Gpt2GraphOptions = {}): Graph {
  const g = new GraphBuilder('gpt2_decoder')
  const E = cfg.nEmbd
  const H = cfg.nHead
  const d = E / H
  const prefixEmbeds = g.input('prefix_embeds', 'float32', ['batch', 'prefix_len', E])
  const inputIds = g.input('input_ids', 'int64', ['batch', 'ids_len'])
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'total_len'])
  const positionIds = g.input('position_ids', 'int64', ['batch', 'seq_len'])
  const cacheOrder = g.input('cache_order', 'int64', ['batch'])
  const topK = g.input('top_k', 'int64', [1])
  const past: { key: Value; value: Value }[] = []
  for (let i = 0; i < cfg.nLayer; i++) {
    past.push({
      key: g.input(`past.${i}.key`, 'float32', ['past_batch', H, 'past_len', d]),
      value: g.input(`past.${i}.value`, 'float32', ['past_batch', H, 'past_len', d]),
    })
  }
  const p = declareParams(g, weights)
  const out = gpt2Forward(
    g,
    p,
    cfg,
    { prefixEmbeds, inputIds, attentionMask, positionIds, past, cacheOrder },
    { logits: 'last', hidden: opts.debugHidden ?? false, ...(opts.fusions ? { fusions: opts.fusions } : {}) },
  )
  g.output(out.logits, 'logits')
  decodingSummaries(g, out.logits, topK)
  out.present.forEach((pr, i) => {
    g.output(pr.key, `present.${i}.key`)
    g.output(pr.value, `present.${i}.value`)
  })
  if (opts.debugHidden && out.hidden) g.output(out.hidden, 'hidden_after_ln_f')
  return g.build()
}

/**
 * [Note: decoding inside the graph] What the decoders need from the logits
 * [B,V], computed in the graph so that B×V floats do not cross into
 * JavaScript every step (3 MB at 16 rows, 16 MB for beam 5 × 16 photos) and
 * are not scanned there: `next_token` (greedy: arg-max, first index on
 * ties like torch.argmax), and for beam search `top_values`/`top_ids` (the
 * `top_k` largest, ties lower index first) with `row_max`/`row_sum_exp`
 * (log-softmax = x − max − log(sum exp(x − max)), finished in float64 in
 * decoding/log-prob.ts). Callers fetch only the outputs they use; `logits`
 * stays an output for tests and tools.
 */
function decodingSummaries(g: GraphBuilder, logits: Value, topK: Value): void {
  g.output(g.argMax(logits, 1, false), 'next_token')
  // ORT runs every node whatever the caller fetches, so the beam summaries cost a
  // greedy step as much as a beam step (5 ms of 160 at batch 16: bench caption-profile)
  // unless they have no rows: top_k = 0 leaves them empty (rows = top_k·B, clamped to B).
  const rows = g.sliceDynamic(logits, g.i64([0]), g.mul(topK, g.shapeOf(logits, 0, 1)), [0], [freshDim('summary_rows'), logits.shape[1]!])
  const [values, ids] = g.topK(rows, topK, 'top_k', -1)
  g.output(values, 'top_values')
  g.output(ids, 'top_ids')
  const max = g.reduceMax(rows, [1], true)
  g.output(g.squeeze(max, [1]), 'row_max')
  g.output(g.reduceSum(g.exp(g.sub(rows, max)), [1], false), 'row_sum_exp')
}

/**
 * A full-sequence graph without cache (inputs prefix_embeds, input_ids,
 * attention_mask [B,T], position_ids; output logits [B,T,V]), with the
 * weights as initializers. Training builds its own graph from gpt2Forward with
 * parameters as inputs; this one serves tests and tools.
 */
export function buildGpt2FullGraph(weights: WeightMap, cfg: Gpt2Config, opts: Gpt2GraphOptions = {}): Graph {
  const g = new GraphBuilder('gpt2_full')
  const prefixEmbeds = g.input('prefix_embeds', 'float32', ['batch', 'prefix_len', cfg.nEmbd])
  const inputIds = g.input('input_ids', 'int64', ['batch', 'ids_len'])
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'seq_len'])
  const positionIds = g.input('position_ids', 'int64', ['batch', 'seq_len'])
  const p = declareParams(g, weights)
  const out = gpt2Forward(g, p, cfg, { prefixEmbeds, inputIds, attentionMask, positionIds }, { logits: 'all', hidden: opts.debugHidden ?? false })
  g.output(out.logits, 'logits')
  if (opts.debugHidden && out.hidden) g.output(out.hidden, 'hidden_after_ln_f')
  return g.build()
}
