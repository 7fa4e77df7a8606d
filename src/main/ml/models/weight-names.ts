// Weight-name normalisation: every checkpoint
// layout we accept is mapped to one canonical name set per model, and every
// expected tensor is checked against the shape the config implies.
//
// Canonical names:
// - GPT-2: Hugging Face GPT2Model names without prefix: `wte.weight`,
//   `wpe.weight`, `h.{i}.ln_1.weight`, `h.{i}.attn.c_attn.weight` (Conv1D
//   [in,out]), ..., `ln_f.bias`. Accepted sources: `transformer.*`
//   (GPT2LMHeadModel), bare Hub names, `gpt.transformer.*` (ClipCap .pt).
//   Ignored: `*.attn.bias`, `*.attn.masked_bias` (old mask buffers) and
//   `lm_head.weight` when it equals `wte.weight` (tied head).
// - CLIP: Hugging Face CLIPModel names (`vision_model.*`, `text_model.*`,
//   `visual_projection.weight`, `text_projection.weight`, `logit_scale`);
//   `*.position_ids` buffers are ignored.
// - Mapping: the paper's state-dict names `clip_project.*`.
import type { HostTensor } from '../weights/tensor.ts'
import { vitVision, type ClipConfig, type Gpt2Config, type MappingConfig } from './config.ts'

export type WeightMap = Map<string, HostTensor>

export class WeightsError extends Error {}

export type Spec = [name: string, shape: number[]][]

export function gpt2WeightSpec(cfg: Gpt2Config): Spec {
  const E = cfg.nEmbd
  const spec: Spec = [
    ['wte.weight', [cfg.vocabSize, E]],
    ['wpe.weight', [cfg.nPositions, E]],
  ]
  for (let i = 0; i < cfg.nLayer; i++) {
    const p = `h.${i}.`
    spec.push(
      [`${p}ln_1.weight`, [E]],
      [`${p}ln_1.bias`, [E]],
      [`${p}attn.c_attn.weight`, [E, 3 * E]],
      [`${p}attn.c_attn.bias`, [3 * E]],
      [`${p}attn.c_proj.weight`, [E, E]],
      [`${p}attn.c_proj.bias`, [E]],
      [`${p}ln_2.weight`, [E]],
      [`${p}ln_2.bias`, [E]],
      [`${p}mlp.c_fc.weight`, [E, 4 * E]],
      [`${p}mlp.c_fc.bias`, [4 * E]],
      [`${p}mlp.c_proj.weight`, [4 * E, E]],
      [`${p}mlp.c_proj.bias`, [E]],
    )
  }
  spec.push(['ln_f.weight', [E]], ['ln_f.bias', [E]])
  return spec
}

function clipLayerSpec(prefix: string, hidden: number, inter: number): Spec {
  const spec: Spec = []
  for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj'])
    spec.push([`${prefix}self_attn.${proj}.weight`, [hidden, hidden]], [`${prefix}self_attn.${proj}.bias`, [hidden]])
  spec.push(
    [`${prefix}layer_norm1.weight`, [hidden]],
    [`${prefix}layer_norm1.bias`, [hidden]],
    [`${prefix}layer_norm2.weight`, [hidden]],
    [`${prefix}layer_norm2.bias`, [hidden]],
    [`${prefix}mlp.fc1.weight`, [inter, hidden]],
    [`${prefix}mlp.fc1.bias`, [inter]],
    [`${prefix}mlp.fc2.weight`, [hidden, inter]],
    [`${prefix}mlp.fc2.bias`, [hidden]],
  )
  return spec
}

export function clipVisionWeightSpec(cfg: ClipConfig): Spec {
  const v = vitVision(cfg, 'the ViT CLIP weight list')
  const g = v.imageSize / v.patchSize
  const spec: Spec = [
    ['vision_model.embeddings.class_embedding', [v.hidden]],
    ['vision_model.embeddings.patch_embedding.weight', [v.hidden, 3, v.patchSize, v.patchSize]],
    ['vision_model.embeddings.position_embedding.weight', [g * g + 1, v.hidden]],
    ['vision_model.pre_layrnorm.weight', [v.hidden]],
    ['vision_model.pre_layrnorm.bias', [v.hidden]],
  ]
  for (let i = 0; i < v.layers; i++) spec.push(...clipLayerSpec(`vision_model.encoder.layers.${i}.`, v.hidden, v.intermediate))
  spec.push(
    ['vision_model.post_layernorm.weight', [v.hidden]],
    ['vision_model.post_layernorm.bias', [v.hidden]],
    ['visual_projection.weight', [cfg.projectionDim, v.hidden]],
  )
  return spec
}

export function clipTextWeightSpec(cfg: ClipConfig): Spec {
  const t = cfg.text
  const spec: Spec = [
    ['text_model.embeddings.token_embedding.weight', [t.vocabSize, t.hidden]],
    ['text_model.embeddings.position_embedding.weight', [t.maxPositions, t.hidden]],
  ]
  for (let i = 0; i < t.layers; i++) spec.push(...clipLayerSpec(`text_model.encoder.layers.${i}.`, t.hidden, t.intermediate))
  spec.push(
    ['text_model.final_layer_norm.weight', [t.hidden]],
    ['text_model.final_layer_norm.bias', [t.hidden]],
    ['text_projection.weight', [cfg.projectionDim, t.hidden]],
  )
  return spec
}

export function mappingWeightSpec(cfg: MappingConfig): Spec {
  const E = cfg.prefixDim
  if (cfg.type === 'mlp') {
    const out = E * cfg.prefixLength
    return [
      ['clip_project.model.0.weight', [cfg.mlpHiddenDim, cfg.clipDim]],
      ['clip_project.model.0.bias', [cfg.mlpHiddenDim]],
      ['clip_project.model.2.weight', [out, cfg.mlpHiddenDim]],
      ['clip_project.model.2.bias', [out]],
    ]
  }
  const hiddenMlp = Math.floor(E * cfg.mlpRatio)
  const spec: Spec = [
    ['clip_project.linear.weight', [cfg.clipLength * E, cfg.clipDim]],
    ['clip_project.linear.bias', [cfg.clipLength * E]],
    ['clip_project.prefix_const', [cfg.prefixLength, E]],
  ]
  for (let i = 0; i < cfg.numLayers; i++) {
    const p = `clip_project.transformer.layers.${i}.`
    spec.push(
      [`${p}norm1.weight`, [E]],
      [`${p}norm1.bias`, [E]],
      [`${p}attn.to_queries.weight`, [E, E]],
      [`${p}attn.to_keys_values.weight`, [2 * E, E]],
      [`${p}attn.project.weight`, [E, E]],
      [`${p}attn.project.bias`, [E]],
      [`${p}norm2.weight`, [E]],
      [`${p}norm2.bias`, [E]],
      [`${p}mlp.fc1.weight`, [hiddenMlp, E]],
      [`${p}mlp.fc1.bias`, [hiddenMlp]],
      [`${p}mlp.fc2.weight`, [E, hiddenMlp]],
      [`${p}mlp.fc2.bias`, [E]],
    )
  }
  return spec
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * The weight file's own layer count must match the config's before a spec is
 * built from the config (see [Note: Config bounds]): the file is the ground
 * truth, and a config that disagrees fails here, naming both numbers.
 */
export function checkLayerCount(names: Iterable<string>, prefix: string, expected: number, file: string, what: string, field: string): void {
  let layers = 0
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const m = /^(\d+)\./.exec(name.slice(prefix.length))
    if (m) layers = Math.max(layers, Number(m[1]) + 1)
  }
  if (layers !== expected)
    throw new WeightsError(
      `${file}: the config says ${field} = ${expected}, but the ${what} weights have ${layers} layer${layers === 1 ? '' : 's'} (${prefix}N.*)`,
    )
}

/** Pick the spec's tensors out of `canonical`, checking presence, shape and dtype. */
export function collectWeights(spec: Spec, canonical: WeightMap, file: string, what: string, sourceNames: Map<string, string>): WeightMap {
  const out: WeightMap = new Map()
  for (const [name, shape] of spec) {
    const t = canonical.get(name)
    if (!t) throw new WeightsError(`${file}: missing ${what} tensor ${name}`)
    const src = sourceNames.get(name) ?? name
    if (!sameShape(t.shape, shape)) throw new WeightsError(`${file}: ${what} tensor ${src} has shape [${t.shape}], expected [${shape}] from the config`)
    if (t.dtype !== 'float32') throw new WeightsError(`${file}: ${what} tensor ${src} has dtype ${t.dtype}, expected a float type`)
    out.set(name, t)
  }
  return out
}

export function rejectExtraWeights(canonical: WeightMap, spec: Spec, file: string, what: string, sourceNames: Map<string, string>): void {
  const expected = new Set(spec.map(([n]) => n))
  const extras = [...canonical.keys()].filter((k) => !expected.has(k))
  if (extras.length) {
    const shown = extras.slice(0, 3).map((k) => sourceNames.get(k) ?? k)
    throw new WeightsError(
      `${file}: unexpected ${what} tensor${extras.length > 1 ? 's' : ''} ${shown.join(', ')}${extras.length > 3 ? ` and ${extras.length - 3} more` : ''} (does the config match the weights?)`,
    )
  }
}

function tensorsEqual(a: HostTensor, b: HostTensor): boolean {
  if (!sameShape(a.shape, b.shape) || a.data.length !== b.data.length) return false
  if (a.data === b.data) return true
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false
  return true
}

/**
 * Normalise a GPT-2 checkpoint (any accepted layout, see top of file) to
 * canonical names and check it against `cfg`. `file` names the source in errors.
 */
export function normalizeGpt2Weights(raw: WeightMap, cfg: Gpt2Config, file: string): WeightMap {
  const canonical: WeightMap = new Map()
  const sourceNames = new Map<string, string>()
  let lmHead: HostTensor | null = null
  for (const [key, t] of raw) {
    let name = key
    if (name.startsWith('gpt.')) name = name.slice(4)
    if (name.startsWith('transformer.')) name = name.slice(12)
    if (/(^|\.)attn\.(bias|masked_bias)$/.test(name)) continue
    if (name === 'lm_head.weight') {
      lmHead = t
      continue
    }
    if (canonical.has(name)) throw new WeightsError(`${file}: GPT-2 tensor ${name} appears twice (as ${sourceNames.get(name)} and ${key})`)
    canonical.set(name, t)
    sourceNames.set(name, key)
  }
  checkLayerCount(canonical.keys(), 'h.', cfg.nLayer, file, 'GPT-2', 'n_layer')
  const spec = gpt2WeightSpec(cfg)
  const out = collectWeights(spec, canonical, file, 'GPT-2', sourceNames)
  rejectExtraWeights(canonical, spec, file, 'GPT-2', sourceNames)
  if (lmHead && !tensorsEqual(lmHead, out.get('wte.weight')!)) {
    throw new WeightsError(`${file}: lm_head.weight differs from wte.weight; only GPT-2 with a tied LM head is supported`)
  }
  return out
}

/**
 * Normalise a CLIPModel checkpoint (HF names; `*.position_ids` ignored).
 * `parts` selects the towers to check (the rest of the file is ignored).
 */
export function normalizeClipWeights(
  raw: WeightMap,
  cfg: ClipConfig,
  file: string,
  parts: { vision?: boolean; text?: boolean } = { vision: true, text: true },
): WeightMap {
  const canonical: WeightMap = new Map()
  const sourceNames = new Map<string, string>()
  for (const [key, t] of raw) {
    if (key.endsWith('.position_ids')) continue
    const name = key.startsWith('clip.') ? key.slice(5) : key
    canonical.set(name, t)
    sourceNames.set(name, key)
  }
  if (parts.vision && typeof cfg.vision.layers === 'number')
    checkLayerCount(canonical.keys(), 'vision_model.encoder.layers.', cfg.vision.layers, file, 'CLIP vision', 'vision_config.num_hidden_layers')
  if (parts.text) checkLayerCount(canonical.keys(), 'text_model.encoder.layers.', cfg.text.layers, file, 'CLIP text', 'text_config.num_hidden_layers')
  const spec: Spec = [...(parts.vision ? clipVisionWeightSpec(cfg) : []), ...(parts.text ? clipTextWeightSpec(cfg) : [])]
  const out = collectWeights(spec, canonical, file, 'CLIP', sourceNames)
  if (parts.vision && parts.text) {
    const full: Spec = [...spec, ['logit_scale', []]]
    rejectExtraWeights(canonical, full, file, 'CLIP', sourceNames)
    const ls = canonical.get('logit_scale')
    if (ls) out.set('logit_scale', ls)
  }
  return out
}

/** Split a ClipCap checkpoint (the paper's state dict) into its mapping and GPT-2 parts. */
export function splitClipcapCheckpoint(raw: WeightMap): { mapping: WeightMap; gpt2: WeightMap | null } {
  const mapping: WeightMap = new Map()
  const gpt2: WeightMap = new Map()
  for (const [key, t] of raw) {
    if (key.startsWith('clip_project.')) mapping.set(key, t)
    else if (key.startsWith('gpt.')) gpt2.set(key, t)
  }
  return { mapping, gpt2: gpt2.size ? gpt2 : null }
}

/**
 * Normalise a ClipCap mapping checkpoint: the `clip_project.*` tensors (a
 * whole paper checkpoint may be passed: `gpt.*` keys are ignored here).
 */
export function normalizeMappingWeights(raw: WeightMap, cfg: MappingConfig, file: string): WeightMap {
  const { mapping } = splitClipcapCheckpoint(raw)
  if (!mapping.size) throw new WeightsError(`${file}: no clip_project.* tensors (not a ClipCap mapping checkpoint)`)
  if (cfg.type === 'transformer') checkLayerCount(mapping.keys(), 'clip_project.transformer.layers.', cfg.numLayers, file, 'transformer mapping', 'num_layers')
  const spec = mappingWeightSpec(cfg)
  const out = collectWeights(spec, mapping, file, `${cfg.type} mapping`, new Map())
  rejectExtraWeights(mapping, spec, file, `${cfg.type} mapping`, new Map())
  return out
}
