// CLIP vision and text towers (HF CLIPModel names, openai/CLIP math):
// image_embeds / text_embeds are projected and NOT normalised.
import { GraphBuilder, type Value } from '../graph/builder.ts'
import type { Graph } from '../graph/ir.ts'
import { vitVision, type ClipConfig, type ClipTowerConfig } from './config.ts'
import { buildClipResNetVisionGraph } from './clip-resnet.ts'
import { attention, causalBias, linearOutIn, mergeHeads, splitHeads } from './layers.ts'
import { declareParams, param, type Params } from './params.ts'
import type { WeightMap } from './weight-names.ts'

/** One pre-LN encoder layer: x + Attn(LN1 x); x + fc2(quick_gelu(fc1(LN2 x))). */
function encoderLayer(g: GraphBuilder, p: Params, prefix: string, cfg: ClipTowerConfig, x: Value, bias: Value | null): Value {
  const w = (n: string) => param(p, `${prefix}${n}`)
  const d = cfg.hidden / cfg.heads
  const a = g.layerNorm(x, w('layer_norm1.weight'), w('layer_norm1.bias'), cfg.eps)
  const q = splitHeads(g, linearOutIn(g, a, w('self_attn.q_proj.weight'), w('self_attn.q_proj.bias')), cfg.heads, d)
  const k = splitHeads(g, linearOutIn(g, a, w('self_attn.k_proj.weight'), w('self_attn.k_proj.bias')), cfg.heads, d)
  const v = splitHeads(g, linearOutIn(g, a, w('self_attn.v_proj.weight'), w('self_attn.v_proj.bias')), cfg.heads, d)
  const o = mergeHeads(g, attention(g, q, k, v, 1 / Math.sqrt(d), bias), cfg.heads, d)
  let h = g.add(x, linearOutIn(g, o, w('self_attn.out_proj.weight'), w('self_attn.out_proj.bias')))
  const m = g.layerNorm(h, w('layer_norm2.weight'), w('layer_norm2.bias'), cfg.eps)
  h = g.add(h, linearOutIn(g, g.quickGelu(linearOutIn(g, m, w('mlp.fc1.weight'), w('mlp.fc1.bias'))), w('mlp.fc2.weight'), w('mlp.fc2.bias')))
  return h
}

export interface ClipVisionOutputs {
  imageEmbeds: Value
  lastHiddenState: Value
  pooled: Value
}

/** pixel_values [B,3,S,S] -> image embeddings [B,proj]. */
export function clipVisionForward(g: GraphBuilder, p: Params, cfg: ClipConfig, pixelValues: Value): ClipVisionOutputs {
  const v = vitVision(cfg, 'the ViT vision forward')
  const grid = v.imageSize / v.patchSize
  const w = (n: string) => param(p, `vision_model.${n}`)
  const patches = g.conv2d(pixelValues, w('embeddings.patch_embedding.weight'), { stride: v.patchSize }) // [B,Hv,g,g]
  const tokens = g.transpose(g.reshape(patches, [0, 0, grid * grid]), [0, 2, 1]) // [B,g²,Hv]
  const batch = g.shapeOf(pixelValues, 0, 1)
  const cls = g.expand(g.reshape(w('embeddings.class_embedding'), [1, 1, v.hidden]), g.concat([batch, g.i64([1, v.hidden])], 0), [
    pixelValues.shape[0]!,
    1,
    v.hidden,
  ])
  let x = g.add(g.concat([cls, tokens], 1), w('embeddings.position_embedding.weight'))
  x = g.layerNorm(x, w('pre_layrnorm.weight'), w('pre_layrnorm.bias'), v.eps)
  for (let i = 0; i < v.layers; i++) x = g.scope(`vision.${i}`, () => encoderLayer(g, p, `vision_model.encoder.layers.${i}.`, v, x, null))
  const pooled = g.layerNorm(g.squeeze(g.slice(x, [0], [1], [1]), [1]), w('post_layernorm.weight'), w('post_layernorm.bias'), v.eps)
  return { imageEmbeds: linearOutIn(g, pooled, param(p, 'visual_projection.weight')), lastHiddenState: x, pooled }
}

export interface ClipTextOutputs {
  textEmbeds: Value
  lastHiddenState: Value
  pooled: Value
}

/** input_ids int64 [B,T] (T <= max positions; zero padding) -> text embeddings [B,proj], pooled at argmax(ids). */
export function clipTextForward(g: GraphBuilder, p: Params, cfg: ClipConfig, inputIds: Value): ClipTextOutputs {
  const t = cfg.text
  const w = (n: string) => param(p, `text_model.${n}`)
  const tLen = g.dimOf(inputIds, 1)
  const positions = g.sliceDynamic(w('embeddings.position_embedding.weight'), g.i64([0]), g.unsqueeze(tLen, [0]), [0], [inputIds.shape[1]!, t.hidden])
  let x = g.add(g.gather(w('embeddings.token_embedding.weight'), inputIds, 0), positions)
  const bias = causalBias(g, tLen, tLen, null)
  for (let i = 0; i < t.layers; i++) x = g.scope(`text.${i}`, () => encoderLayer(g, p, `text_model.encoder.layers.${i}.`, t, x, bias))
  x = g.layerNorm(x, w('final_layer_norm.weight'), w('final_layer_norm.bias'), t.eps)
  // Pool at the first position of the largest id (the EOT): a one-hot row times x (ArgMax keeps the first maximum).
  const eot = g.argMax(inputIds, 1, true) // [B,1]
  const positionsRange = g.unsqueeze(g.range(g.i64(0), tLen, g.i64(1), inputIds.shape[1]!), [0]) // [1,T]
  const oneHot = g.unsqueeze(g.cast(g.equal(positionsRange, eot), 'float32'), [1]) // [B,1,T]
  const pooled = g.squeeze(g.matmul(oneHot, x), [1]) // [B,H]
  return { textEmbeds: linearOutIn(g, pooled, param(p, 'text_projection.weight')), lastHiddenState: x, pooled }
}

export interface ClipGraphOptions {
  /** Add outputs last_hidden_state and pooler_output (golden tests). */
  debug?: boolean
}

/**
 * Vision graph: `pixel_values` [B,3,S,S] -> `image_embeds` [B,proj]. `weights`:
 * canonical CLIP names (HF names for a ViT, openai `visual.*` names for a ResNet tower).
 */
export function buildClipVisionGraph(weights: WeightMap, cfg: ClipConfig, opts: ClipGraphOptions = {}): Graph {
  if (cfg.vision.architecture === 'resnet') return buildClipResNetVisionGraph(weights, cfg, opts)
  const g = new GraphBuilder('clip_vision')
  const pixels = g.input('pixel_values', 'float32', ['batch', 3, cfg.vision.imageSize, cfg.vision.imageSize])
  const p = declareParams(g, onlyPrefix(weights, ['vision_model.', 'visual_projection.']))
  const out = clipVisionForward(g, p, cfg, pixels)
  g.output(out.imageEmbeds, 'image_embeds')
  if (opts.debug) {
    g.output(out.lastHiddenState, 'last_hidden_state')
    g.output(out.pooled, 'pooler_output')
  }
  return g.build()
}

/** Text graph: `input_ids` int64 [B,T] -> `text_embeds` [B,proj]. */
export function buildClipTextGraph(weights: WeightMap, cfg: ClipConfig, opts: ClipGraphOptions = {}): Graph {
  const g = new GraphBuilder('clip_text')
  const ids = g.input('input_ids', 'int64', ['batch', 'seq_len'])
  const p = declareParams(g, onlyPrefix(weights, ['text_model.', 'text_projection.']))
  const out = clipTextForward(g, p, cfg, ids)
  g.output(out.textEmbeds, 'text_embeds')
  if (opts.debug) {
    g.output(out.lastHiddenState, 'last_hidden_state')
    g.output(out.pooled, 'pooler_output')
  }
  return g.build()
}

function onlyPrefix(weights: WeightMap, prefixes: string[]): WeightMap {
  return new Map([...weights].filter(([k]) => prefixes.some((pre) => k.startsWith(pre))))
}
