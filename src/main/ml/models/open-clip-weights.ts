// Weights of an OpenAI / open_clip ResNet CLIP in canonical names:
// - the image tower keeps OpenAI's own names (`visual.conv1.weight`,
//   `visual.layer{s}.{b}.bn2.running_var`, `visual.attnpool.q_proj.weight`, …):
//   there is no Hugging Face class for it, so no other name set exists;
// - the text tower is renamed to the Hugging Face names the ViT packs use,
//   so clip.ts builds it unchanged: `in_proj_weight` is split into
//   q/k/v, `text_projection [w,D]` becomes `text_projection.weight [D,w]`.
// `*.num_batches_tracked` (BatchNorm bookkeeping) is ignored.
import type { HostTensor } from '../weights/tensor.ts'
import type { ClipConfig, ClipResNetVisionConfig } from './config.ts'
import { clipTextWeightSpec, collectWeights, rejectExtraWeights, WeightsError, type Spec, type WeightMap } from './weight-names.ts'

function resnetOf(cfg: ClipConfig): ClipResNetVisionConfig {
  if (cfg.vision.architecture !== 'resnet') throw new WeightsError('the open_clip weight list needs a ResNet CLIP config')
  return cfg.vision
}

function bn(name: string, c: number): Spec {
  return ['weight', 'bias', 'running_mean', 'running_var'].map((k) => [`${name}.${k}`, [c]])
}

/** Planes of stage s (1-based): W·2^(s−1); its blocks output 4× that. */
export const stagePlanes = (width: number, stage: number): number => width * 2 ** (stage - 1)

/** Attention-pool width E = 32·W (the last stage's output channels). */
export const attnPoolWidth = (width: number): number => 32 * width

export function resnetVisionWeightSpec(cfg: ClipConfig): Spec {
  const v = resnetOf(cfg)
  const W = v.width
  const spec: Spec = [
    ['visual.conv1.weight', [W / 2, 3, 3, 3]],
    ...bn('visual.bn1', W / 2),
    ['visual.conv2.weight', [W / 2, W / 2, 3, 3]],
    ...bn('visual.bn2', W / 2),
    ['visual.conv3.weight', [W, W / 2, 3, 3]],
    ...bn('visual.bn3', W),
  ]
  let inplanes = W
  for (let s = 1; s <= 4; s++) {
    const p = stagePlanes(W, s)
    for (let b = 0; b < v.layers[s - 1]!; b++) {
      const pre = `visual.layer${s}.${b}.`
      const inC = b === 0 ? inplanes : 4 * p
      spec.push(
        [`${pre}conv1.weight`, [p, inC, 1, 1]],
        ...bn(`${pre}bn1`, p),
        [`${pre}conv2.weight`, [p, p, 3, 3]],
        ...bn(`${pre}bn2`, p),
        [`${pre}conv3.weight`, [4 * p, p, 1, 1]],
        ...bn(`${pre}bn3`, 4 * p),
      )
      // Block 0 of every stage changes the width (stage 1: W -> 4W) or strides: it has the downsample branch.
      if (b === 0) spec.push([`${pre}downsample.0.weight`, [4 * p, inC, 1, 1]], ...bn(`${pre}downsample.1`, 4 * p))
    }
    inplanes = 4 * p
  }
  const E = attnPoolWidth(W)
  const grid = v.imageSize / 32
  spec.push(['visual.attnpool.positional_embedding', [grid * grid + 1, E]])
  for (const proj of ['q_proj', 'k_proj', 'v_proj']) spec.push([`visual.attnpool.${proj}.weight`, [E, E]], [`visual.attnpool.${proj}.bias`, [E]])
  spec.push(['visual.attnpool.c_proj.weight', [cfg.projectionDim, E]], ['visual.attnpool.c_proj.bias', [cfg.projectionDim]])
  return spec
}

function rows(t: HostTensor, from: number, to: number, name: string): HostTensor {
  const cols = t.shape.length === 2 ? t.shape[1]! : 1
  if (t.dtype !== 'float32') throw new WeightsError(`${name} has dtype ${t.dtype}, expected a float type`)
  const data = (t.data as Float32Array).slice(from * cols, to * cols)
  return { dtype: 'float32', shape: t.shape.length === 2 ? [to - from, cols] : [to - from], data }
}

function transpose2d(t: HostTensor): HostTensor {
  const [r, c] = t.shape as [number, number]
  const src = t.data as Float32Array
  const out = new Float32Array(r * c)
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j]!
  return { dtype: 'float32', shape: [c, r], data: out }
}

const TEXT_LAYER_RENAMES: [RegExp, string][] = [
  [/^ln_1\./, 'layer_norm1.'],
  [/^ln_2\./, 'layer_norm2.'],
  [/^mlp\.c_fc\./, 'mlp.fc1.'],
  [/^mlp\.c_proj\./, 'mlp.fc2.'],
  [/^attn\.out_proj\./, 'self_attn.out_proj.'],
]

/** One openai text tensor -> canonical (HF) name(s) and tensor(s); null when `key` is not a text tensor. */
function textCanonical(key: string, t: HostTensor, hidden: number): [string, HostTensor][] | null {
  if (key === 'token_embedding.weight') return [['text_model.embeddings.token_embedding.weight', t]]
  if (key === 'positional_embedding') return [['text_model.embeddings.position_embedding.weight', t]]
  if (key.startsWith('ln_final.')) return [[`text_model.final_layer_norm.${key.slice('ln_final.'.length)}`, t]]
  if (key === 'text_projection') return t.shape.length === 2 ? [['text_projection.weight', transpose2d(t)]] : [['text_projection.weight', t]]
  if (key === 'logit_scale') return [['logit_scale', t]]
  const m = /^transformer\.resblocks\.(\d+)\.(.+)$/.exec(key)
  if (!m) return null
  const pre = `text_model.encoder.layers.${m[1]}.`
  const rest = m[2]!
  if (rest === 'attn.in_proj_weight' || rest === 'attn.in_proj_bias') {
    const kind = rest.endsWith('weight') ? 'weight' : 'bias'
    if (t.shape[0] !== 3 * hidden) return [[`${pre}self_attn.in_proj_${kind}`, t]] // wrong shape: reported as an extra tensor
    return ['q_proj', 'k_proj', 'v_proj'].map((proj, i) => [`${pre}self_attn.${proj}.${kind}`, rows(t, i * hidden, (i + 1) * hidden, key)])
  }
  for (const [re, to] of TEXT_LAYER_RENAMES) if (re.test(rest)) return [[pre + rest.replace(re, to), t]]
  return [[pre + rest, t]]
}

/** True for the tensors of the image tower (the rest of an open_clip file is the text tower). */
export const isOpenClipVisionTensor = (name: string): boolean => name.startsWith('visual.')

/**
 * Normalise an open_clip ResNet CLIP state dict. `parts` selects the towers to
 * check; with both, every tensor of the file must be accounted for.
 */
export function normalizeOpenClipWeights(
  raw: WeightMap,
  cfg: ClipConfig,
  file: string,
  parts: { vision?: boolean; text?: boolean } = { vision: true, text: true },
): WeightMap {
  resnetOf(cfg)
  if (raw.has('visual.proj') || raw.has('visual.class_embedding')) {
    throw new WeightsError(`${file}: holds a ViT image tower (visual.proj / visual.class_embedding), but the config describes a ResNet tower`)
  }
  const canonical: WeightMap = new Map()
  const sourceNames = new Map<string, string>()
  for (const [key, t] of raw) {
    if (key.endsWith('.num_batches_tracked')) continue
    const mapped = isOpenClipVisionTensor(key)
      ? [[key, t] as [string, HostTensor]]
      : (textCanonical(key, t, cfg.text.hidden) ?? [[key, t] as [string, HostTensor]])
    for (const [name, tensor] of mapped) {
      if (canonical.has(name)) throw new WeightsError(`${file}: CLIP tensor ${name} appears twice (as ${sourceNames.get(name)} and ${key})`)
      canonical.set(name, tensor)
      sourceNames.set(name, key)
    }
  }
  const spec: Spec = [...(parts.vision ? resnetVisionWeightSpec(cfg) : []), ...(parts.text ? clipTextWeightSpec(cfg) : [])]
  const out = collectWeights(spec, canonical, file, 'CLIP', sourceNames)
  if (parts.vision && parts.text) {
    rejectExtraWeights(canonical, [...spec, ['logit_scale', []]], file, 'CLIP', sourceNames)
    const ls = canonical.get('logit_scale')
    if (ls) out.set('logit_scale', ls)
  }
  return out
}

/** The text tower under OpenAI's own names (what an open_clip file holds; random packs write it). */
export function openClipTextWeightSpec(cfg: ClipConfig): Spec {
  const t = cfg.text
  const w = t.hidden
  const spec: Spec = [
    ['token_embedding.weight', [t.vocabSize, w]],
    ['positional_embedding', [t.maxPositions, w]],
  ]
  for (let i = 0; i < t.layers; i++) {
    const p = `transformer.resblocks.${i}.`
    spec.push(
      [`${p}attn.in_proj_weight`, [3 * w, w]],
      [`${p}attn.in_proj_bias`, [3 * w]],
      [`${p}attn.out_proj.weight`, [w, w]],
      [`${p}attn.out_proj.bias`, [w]],
      [`${p}ln_1.weight`, [w]],
      [`${p}ln_1.bias`, [w]],
      [`${p}mlp.c_fc.weight`, [t.intermediate, w]],
      [`${p}mlp.c_fc.bias`, [t.intermediate]],
      [`${p}mlp.c_proj.weight`, [w, t.intermediate]],
      [`${p}mlp.c_proj.bias`, [w]],
      [`${p}ln_2.weight`, [w]],
      [`${p}ln_2.bias`, [w]],
    )
  }
  spec.push(['ln_final.weight', [w]], ['ln_final.bias', [w]], ['text_projection', [w, cfg.projectionDim]])
  return spec
}
