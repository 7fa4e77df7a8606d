// ClipCap mapping networks (the paper's train.py classes):
// MLP (Linear → Tanh → Linear → view [B,K,E]) and TransformerMapper
// (Linear → view [B,L,E], append prefix_const, 8-head pre-LN layers without
// q/kv bias and with a ReLU MLP, output the last K rows).
import { GraphBuilder, type Value } from '../graph/builder.ts'
import type { Graph } from '../graph/ir.ts'
import type { MappingConfig } from './config.ts'
import { attention, linearOutIn, mergeHeads, splitHeads } from './layers.ts'
import { declareParams, param, type Params } from './params.ts'
import type { WeightMap } from './weight-names.ts'

export interface MappingOutputs {
  prefix: Value
  /** Transformer only: the linear output [B,L,E] and the full transformer output [B,L+K,E]. */
  linearOut?: Value
  transformerOut?: Value
}

/**
 * clip [B,clipDim] -> prefix [B,K,E]. Normalises the input first iff
 * `cfg.normalizePrefix` (callers pass the raw CLIP embedding).
 */
export function mappingForward(g: GraphBuilder, p: Params, cfg: MappingConfig, clip: Value): MappingOutputs {
  const E = cfg.prefixDim
  const K = cfg.prefixLength
  const x = cfg.normalizePrefix ? g.l2Normalize(clip) : clip
  const w = (n: string) => param(p, `clip_project.${n}`)
  if (cfg.type === 'mlp') {
    const hidden = g.tanh(linearOutIn(g, x, w('model.0.weight'), w('model.0.bias')))
    const out = linearOutIn(g, hidden, w('model.2.weight'), w('model.2.bias'))
    return { prefix: g.reshape(out, [0, K, E]) }
  }
  const L = cfg.clipLength
  const heads = cfg.numHeads
  const d = E / heads
  const linearOut = g.reshape(linearOutIn(g, x, w('linear.weight'), w('linear.bias')), [0, L, E])
  const batch = g.shapeOf(clip, 0, 1)
  const constant = g.expand(g.unsqueeze(w('prefix_const'), [0]), g.concat([batch, g.i64([K, E])], 0), [clip.shape[0]!, K, E])
  let seq = g.concat([linearOut, constant], 1)
  for (let i = 0; i < cfg.numLayers; i++) {
    const lw = (n: string) => w(`transformer.layers.${i}.${n}`)
    seq = g.scope(`mapper.${i}`, () => {
      const a = g.layerNorm(seq, lw('norm1.weight'), lw('norm1.bias'), 1e-5)
      const q = splitHeads(g, linearOutIn(g, a, lw('attn.to_queries.weight')), heads, d)
      const kv = linearOutIn(g, a, lw('attn.to_keys_values.weight')) // [B,N,2E]: keys first, then values
      const k = splitHeads(g, g.slice(kv, [0], [E], [-1]), heads, d)
      const v = splitHeads(g, g.slice(kv, [E], [2 * E], [-1]), heads, d)
      const o = mergeHeads(g, attention(g, q, k, v, 1 / Math.sqrt(d), null), heads, d)
      let h = g.add(seq, linearOutIn(g, o, lw('attn.project.weight'), lw('attn.project.bias')))
      const m = g.layerNorm(h, lw('norm2.weight'), lw('norm2.bias'), 1e-5)
      h = g.add(h, linearOutIn(g, g.relu(linearOutIn(g, m, lw('mlp.fc1.weight'), lw('mlp.fc1.bias'))), lw('mlp.fc2.weight'), lw('mlp.fc2.bias')))
      return h
    })
  }
  return { prefix: g.slice(seq, [L], [Infinity], [1]), linearOut, transformerOut: seq }
}

export interface MappingGraphOptions {
  /** Transformer: add outputs linear_out and transformer_out_full (golden tests). */
  debug?: boolean
}

/** Mapping graph: `clip_embedding` [B,clipDim] -> `prefix` [B,K,E]. `weights`: `clip_project.*` names. */
export function buildMappingGraph(weights: WeightMap, cfg: MappingConfig, opts: MappingGraphOptions = {}): Graph {
  const g = new GraphBuilder(`mapping_${cfg.type}`)
  const clip = g.input('clip_embedding', 'float32', ['batch', cfg.clipDim])
  const p = declareParams(g, weights)
  const out = mappingForward(g, p, cfg, clip)
  g.output(out.prefix, 'prefix')
  if (opts.debug && out.linearOut && out.transformerOut) {
    g.output(out.linearOut, 'linear_out')
    g.output(out.transformerOut, 'transformer_out_full')
  }
  return g.build()
}
