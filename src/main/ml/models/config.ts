// Model configurations read from Hugging Face config.json files and ClipCap
// mapping configs, validated into the few numbers the graph builders need.
// Errors name the file and the field.
import fs from 'node:fs'

export interface Gpt2Config {
  vocabSize: number
  nPositions: number
  nEmbd: number
  nLayer: number
  nHead: number
  layerNormEps: number
}

export interface ClipTowerConfig {
  hidden: number
  layers: number
  heads: number
  intermediate: number
  eps: number
}

export interface ClipVisionConfig extends ClipTowerConfig {
  /** Absent on configs written before ResNet towers existed. */
  architecture?: 'vit'
  imageSize: number
  patchSize: number
}

/** OpenAI's ModifiedResNet image tower (parsed by open-clip-config.ts). */
export interface ClipResNetVisionConfig {
  architecture: 'resnet'
  imageSize: number
  /** Blocks per stage (4 stages). */
  layers: [number, number, number, number]
  /** Stem width W (stage s has planes W·2^(s−1), output 4× that). */
  width: number
  /** Attention-pool heads (E/64 with E = 32·W). */
  heads: number
}

export interface ClipTextConfig extends ClipTowerConfig {
  vocabSize: number
  maxPositions: number
}

export interface ClipConfig {
  projectionDim: number
  vision: ClipVisionConfig | ClipResNetVisionConfig
  text: ClipTextConfig
}

export type MappingType = 'mlp' | 'transformer'

export interface MappingConfig {
  type: MappingType
  /** K: number of prefix vectors produced. */
  prefixLength: number
  /** Transformer mapper: number of rows the CLIP vector is projected to. */
  clipLength: number
  /** Transformer mapper: number of layers. */
  numLayers: number
  /** Input size (CLIP projection dim). */
  clipDim: number
  /** Output vector size (GPT-2 n_embd). */
  prefixDim: number
  /** L2-normalise the CLIP vector inside the graph before mapping. */
  normalizePrefix: boolean
  /** MLP hidden size ((prefixDim·prefixLength)/2 in the paper). */
  mlpHiddenDim: number
  /** Transformer mapper heads: 8 in the paper's code whatever the width. */
  numHeads: number
  /** Transformer mapper MLP ratio (2.0 in the paper's code). */
  mlpRatio: number
}

export class ModelConfigError extends Error {}

/** The ViT part of `cfg`, or an error naming what needed it (ResNet towers have no patches). */
export function vitVision(cfg: ClipConfig, what: string): ClipVisionConfig {
  if (cfg.vision.architecture === 'resnet') throw new ModelConfigError(`${what} needs a ViT CLIP image tower, but this CLIP has a ResNet tower`)
  return cfg.vision
}

type Json = Record<string, unknown>

export function readJsonFile(path: string): Json {
  let text: string
  try {
    text = fs.readFileSync(path, 'utf8')
  } catch (error) {
    throw new ModelConfigError(`${path}: cannot read config (${(error as NodeJS.ErrnoException).code ?? error})`)
  }
  try {
    const v = JSON.parse(text) as unknown
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object')
    return v as Json
  } catch (error) {
    throw new ModelConfigError(`${path}: config is not a JSON object (${(error as Error).message})`)
  }
}

function num(src: string, obj: Json, keys: string[], fallback?: number): number {
  for (const k of keys) {
    const v = obj[k]
    if (typeof v === 'number' && Number.isFinite(v)) return v
  }
  if (fallback !== undefined) return fallback
  throw new ModelConfigError(`${src}: missing or non-numeric field ${keys.join(' / ')}`)
}

// [Note: Config bounds]
// A config is read before any weight, and its numbers size everything built
// from it (the weight-name list, graphs, buffers): n_layer = 10^7 would list
// 10^8 names before the first tensor is checked. Every size is bounded by the
// largest real checkpoint we know of, with a wide margin (GPT-2 XL: 48 layers,
// 1600 wide, 25 heads, 1024 positions, vocabulary 50257; CLIP ViT-bigG: 48
// layers, 1664 wide, 8192 MLP, 336 px images, patch 14; ClipCap: prefix 40,
// 8 mapper layers), and the layer counts are then checked against the weight
// file's own tensors (weight-names.ts) before anything is built from them.
export const CONFIG_LIMITS = {
  layers: 256,
  width: 16_384,
  heads: 256,
  intermediate: 65_536,
  vocab: 1 << 20,
  positions: 65_536,
  imageSize: 2048,
  patchSize: 256,
  prefixLength: 512,
} as const

function posInt(src: string, obj: Json, keys: string[], fallback: number | undefined, max: number): number {
  const v = num(src, obj, keys, fallback)
  if (!Number.isInteger(v) || v <= 0) throw new ModelConfigError(`${src}: field ${keys[0]} must be a positive integer, got ${v}`)
  if (v > max) throw new ModelConfigError(`${src}: field ${keys[0]} is ${v}, over ${max} (no real checkpoint comes near; is the config corrupt?)`)
  return v
}

/** A small positive real (layer-norm epsilon, MLP ratio), bounded like the sizes. */
function posReal(src: string, obj: Json, keys: string[], fallback: number, max: number): number {
  const v = num(src, obj, keys, fallback)
  if (!(v > 0) || v > max) throw new ModelConfigError(`${src}: field ${keys[0]} must be above 0 and at most ${max}, got ${v}`)
  return v
}

const L = CONFIG_LIMITS

function divides(src: string, what: string, hidden: number, heads: number): void {
  if (hidden % heads !== 0) throw new ModelConfigError(`${src}: ${what} hidden size ${hidden} is not divisible by ${heads} heads`)
}

/** Parse a Hugging Face GPT-2 config. `src` names the file in errors. */
export function parseGpt2Config(json: Json, src = 'gpt2 config.json'): Gpt2Config {
  const act = json.activation_function
  if (act !== undefined && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new ModelConfigError(`${src}: activation_function ${String(act)} is not supported (GPT-2 uses gelu_new)`)
  }
  const cfg: Gpt2Config = {
    vocabSize: posInt(src, json, ['vocab_size'], undefined, L.vocab),
    nPositions: posInt(src, json, ['n_positions', 'n_ctx'], undefined, L.positions),
    nEmbd: posInt(src, json, ['n_embd'], undefined, L.width),
    nLayer: posInt(src, json, ['n_layer'], undefined, L.layers),
    nHead: posInt(src, json, ['n_head'], undefined, L.heads),
    layerNormEps: posReal(src, json, ['layer_norm_epsilon'], 1e-5, 1),
  }
  divides(src, 'GPT-2', cfg.nEmbd, cfg.nHead)
  if (json.n_inner !== undefined && json.n_inner !== null && json.n_inner !== 4 * cfg.nEmbd) {
    throw new ModelConfigError(`${src}: n_inner ${String(json.n_inner)} is not supported (expected null or 4·n_embd)`)
  }
  return cfg
}

function tower(src: string, json: Json, what: string): ClipTowerConfig {
  const act = json.hidden_act
  if (act !== undefined && act !== 'quick_gelu') throw new ModelConfigError(`${src}: ${what}.hidden_act ${String(act)} is not supported (CLIP uses quick_gelu)`)
  const hidden = posInt(`${src} ${what}`, json, ['hidden_size'], undefined, L.width)
  const heads = posInt(`${src} ${what}`, json, ['num_attention_heads'], undefined, L.heads)
  divides(src, what, hidden, heads)
  return {
    hidden,
    layers: posInt(`${src} ${what}`, json, ['num_hidden_layers'], undefined, L.layers),
    heads,
    intermediate: posInt(`${src} ${what}`, json, ['intermediate_size'], undefined, L.intermediate),
    eps: posReal(`${src} ${what}`, json, ['layer_norm_eps'], 1e-5, 1),
  }
}

/** Parse a Hugging Face CLIPModel config. */
export function parseClipConfig(json: Json, src = 'clip config.json'): ClipConfig {
  const v = json.vision_config
  const t = json.text_config
  if (!v || typeof v !== 'object') throw new ModelConfigError(`${src}: missing vision_config (is this a CLIPModel config?)`)
  if (!t || typeof t !== 'object') throw new ModelConfigError(`${src}: missing text_config (is this a CLIPModel config?)`)
  const vj = v as Json
  const tj = t as Json
  const vision: ClipVisionConfig = {
    ...tower(src, vj, 'vision_config'),
    imageSize: posInt(`${src} vision_config`, vj, ['image_size'], undefined, L.imageSize),
    patchSize: posInt(`${src} vision_config`, vj, ['patch_size'], undefined, L.patchSize),
  }
  if (vision.imageSize % vision.patchSize !== 0)
    throw new ModelConfigError(`${src}: image_size ${vision.imageSize} is not a multiple of patch_size ${vision.patchSize}`)
  const text: ClipTextConfig = {
    ...tower(src, tj, 'text_config'),
    vocabSize: posInt(`${src} text_config`, tj, ['vocab_size'], undefined, L.vocab),
    maxPositions: posInt(`${src} text_config`, tj, ['max_position_embeddings'], 77, L.positions),
  }
  return { projectionDim: posInt(src, json, ['projection_dim'], 512, L.width), vision, text }
}

/**
 * Parse a ClipCap mapping config: the pack form (`type`, `prefix_length`,
 * `clip_length`, `num_layers`, `clip_dim`, `prefix_dim`, `normalize_prefix`,
 * `mlp_hidden_dim`) or the golden form (`mapping_type`, `prefix_size`,
 * `gpt_embedding_size`, `hidden_size`). `prefixDim`/`clipDim` fall back to the
 * given model sizes when the config omits them.
 */
export function parseMappingConfig(json: Json, src = 'mapping config.json', sizes: { clipDim?: number; prefixDim?: number } = {}): MappingConfig {
  const type = json.type ?? json.mapping_type
  if (type !== 'mlp' && type !== 'transformer') throw new ModelConfigError(`${src}: type must be "mlp" or "transformer", got ${JSON.stringify(type)}`)
  const prefixLength = posInt(src, json, ['prefix_length'], undefined, L.prefixLength)
  const clipDim = posInt(src, json, ['clip_dim', 'prefix_size'], sizes.clipDim, L.width)
  const prefixDim = posInt(src, json, ['prefix_dim', 'gpt_embedding_size'], sizes.prefixDim, L.width)
  const normalize = json.normalize_prefix
  if (normalize !== undefined && typeof normalize !== 'boolean') throw new ModelConfigError(`${src}: normalize_prefix must be true or false`)
  const heads = posInt(src, json, ['num_heads'], 8, L.heads)
  if (heads !== 8) throw new ModelConfigError(`${src}: num_heads ${heads} is not supported (the paper's TransformerMapper hard-codes 8)`)
  if (json.attn_qkv_bias === true || json.qkv_bias === true)
    throw new ModelConfigError(`${src}: attention q/kv bias is not supported (the paper's mapper has none)`)
  const cfg: MappingConfig = {
    type,
    prefixLength,
    clipLength: type === 'transformer' ? posInt(src, json, ['clip_length'], undefined, L.prefixLength) : 0,
    numLayers: type === 'transformer' ? posInt(src, json, ['num_layers'], undefined, L.layers) : 0,
    clipDim,
    prefixDim,
    normalizePrefix: normalize ?? false,
    mlpHiddenDim: type === 'mlp' ? posInt(src, json, ['mlp_hidden_dim', 'hidden_size'], Math.floor((prefixDim * prefixLength) / 2), L.intermediate * 4) : 0,
    numHeads: heads,
    mlpRatio: posReal(src, json, ['mlp_ratio'], 2, 64),
  }
  if (type === 'transformer') divides(src, 'mapping', prefixDim, heads)
  return cfg
}
