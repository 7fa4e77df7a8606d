// open_clip's `open_clip_config.json`: the config of a CLIP saved by
// open_clip, the only form in which OpenAI's ResNet CLIPs (RN50 … RN50x64) are
// published on the Hub. `model_cfg.vision_cfg.layers` being a list of four
// stage depths (and `patch_size` null) is what makes the image tower a
// ModifiedResNet; an integer `layers` with a `patch_size` is a ViT (refused:
// open_clip ViTs are published with Hugging Face CLIPModel files too).
//
// Into the same ClipConfig the Hugging Face parser fills, so the text tower,
// the pack and the service code need no second path: the text transformer is
// OpenAI's (heads from `text_cfg.heads`, MLP 4·width, LayerNorm eps 1e-5).
import { CLIP_MEAN, CLIP_STD } from '../preprocess/normalize.ts'
import { ModelConfigError, type ClipConfig, type ClipResNetVisionConfig, type ClipTextConfig } from './config.ts'

type Json = Record<string, unknown>

/** The file name open_clip writes; looked for before any config.json (which may be timm's image-only config). */
export const OPEN_CLIP_CONFIG_FILE = 'open_clip_config.json'

function obj(src: string, parent: Json, key: string): Json {
  const v = parent[key]
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ModelConfigError(`${src}: missing object ${key} (is this an open_clip config?)`)
  return v as Json
}

function posInt(src: string, o: Json, key: string, fallback?: number): number {
  const v = o[key] ?? fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new ModelConfigError(`${src}: field ${key} must be a positive integer, got ${JSON.stringify(o[key])}`)
  return v
}

function resnetVision(src: string, v: Json, layers: unknown[]): ClipResNetVisionConfig {
  if (layers.length !== 4 || !layers.every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0)) {
    throw new ModelConfigError(`${src}: vision_cfg.layers must list four positive block counts for a ResNet tower, got ${JSON.stringify(layers)}`)
  }
  const imageSize = posInt(`${src} vision_cfg`, v, 'image_size')
  const width = posInt(`${src} vision_cfg`, v, 'width')
  // The stem halves twice and the stages three times: the attention pool sees (R/32)² cells.
  if (imageSize % 32 !== 0) throw new ModelConfigError(`${src}: vision_cfg.image_size ${imageSize} must be a multiple of 32 for a ResNet tower`)
  if (width % 2 !== 0) throw new ModelConfigError(`${src}: vision_cfg.width ${width} must be even (the stem's first convolutions have width/2 channels)`)
  // openai: vision_heads = width·32 // 64, attention over 64-wide heads of E = 32·width.
  const heads = Math.floor((width * 32) / 64)
  if (heads < 1 || (width * 32) % heads !== 0)
    throw new ModelConfigError(`${src}: vision_cfg.width ${width} gives no whole number of 64-wide attention-pool heads`)
  return { architecture: 'resnet', imageSize, layers: layers as [number, number, number, number], width, heads }
}

/** Parse an open_clip config (`{"model_cfg": {...}, "preprocess_cfg": {...}}`, or a bare model config). */
export function parseOpenClipConfig(json: Json, src = OPEN_CLIP_CONFIG_FILE): ClipConfig {
  const model = json.model_cfg === undefined ? json : obj(src, json, 'model_cfg')
  // OpenAI's weights were trained with quick_gelu; open_clip builds nn.GELU without the flag,
  // a different network we do not build.
  if (model.quick_gelu !== true)
    throw new ModelConfigError(`${src}: model_cfg.quick_gelu must be true (OpenAI CLIP weights); GELU text towers are not supported`)
  const v = obj(src, model, 'vision_cfg')
  const t = obj(src, model, 'text_cfg')
  for (const key of ['timm_model_name', 'hf_model_name']) {
    if (v[key] !== undefined || t[key] !== undefined)
      throw new ModelConfigError(`${src}: towers built from ${key} are not supported (only OpenAI's ModifiedResNet / ViT and text transformer)`)
  }
  // A ViT saved by open_clip has the Hugging Face CLIPModel files too (config.json + model.safetensors): use those.
  if (!Array.isArray(v.layers))
    throw new ModelConfigError(
      `${src}: vision_cfg.layers is not a list of stage depths, so this is a ViT; open_clip ViT files are not supported, use the Hugging Face CLIPModel files (config.json + model.safetensors)`,
    )
  if (v.patch_size !== undefined && v.patch_size !== null) {
    throw new ModelConfigError(`${src}: vision_cfg has both a list of stage depths (ResNet) and patch_size ${JSON.stringify(v.patch_size)} (ViT)`)
  }
  const vision = resnetVision(src, v, v.layers)
  const width = posInt(`${src} text_cfg`, t, 'width')
  const heads = posInt(`${src} text_cfg`, t, 'heads')
  if (width % heads !== 0) throw new ModelConfigError(`${src}: text_cfg width ${width} is not divisible by ${heads} heads`)
  const text: ClipTextConfig = {
    hidden: width,
    layers: posInt(`${src} text_cfg`, t, 'layers'),
    heads,
    intermediate: 4 * width,
    eps: 1e-5,
    vocabSize: posInt(`${src} text_cfg`, t, 'vocab_size', 49408),
    maxPositions: posInt(`${src} text_cfg`, t, 'context_length', 77),
  }
  const preprocess = json.preprocess_cfg
  if (preprocess && typeof preprocess === 'object') {
    const p = preprocess as Json
    const mode = p.resize_mode
    if (mode !== undefined && mode !== 'shortest')
      throw new ModelConfigError(`${src}: preprocess_cfg.resize_mode ${JSON.stringify(mode)} is not supported (CLIP resizes the shortest side)`)
    for (const [key, want] of [
      ['mean', CLIP_MEAN],
      ['std', CLIP_STD],
    ] as const) {
      const got = p[key]
      if (got === undefined) continue
      if (!Array.isArray(got) || got.length !== 3 || got.some((x, i) => typeof x !== 'number' || Math.abs(x - want[i]!) > 1e-6)) {
        throw new ModelConfigError(
          `${src}: preprocess_cfg.${key} ${JSON.stringify(got)} differs from CLIP's ${JSON.stringify(want)} (other normalisations are not supported)`,
        )
      }
    }
    const interp = p.interpolation
    if (interp !== undefined && interp !== 'bicubic')
      throw new ModelConfigError(`${src}: preprocess_cfg.interpolation ${JSON.stringify(interp)} is not supported (CLIP uses bicubic)`)
  }
  return { projectionDim: posInt(src, model, 'embed_dim'), vision, text }
}
