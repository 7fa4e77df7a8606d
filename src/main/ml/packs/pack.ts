// Opening a model pack folder: pack.json + clip/ + gpt2/
// + mapping/. Everything a later stage needs is resolved and validated here, so
// a missing or corrupt pack fails early with an error naming the file and why.
import fs from 'node:fs'
import path from 'node:path'
import { packJsonSchema, type PackJson } from './pack-json.ts'
import { parseClipConfig, parseGpt2Config, parseMappingConfig, readJsonFile, type ClipConfig, type Gpt2Config, type MappingConfig } from '../models/config.ts'
import { OPEN_CLIP_CONFIG_FILE, parseOpenClipConfig } from '../models/open-clip-config.ts'
import { paperGeneration, type GenerationConfig } from '../decoding/generation-config.ts'

export class PackError extends Error {
  override name = 'PackError'
}

export type MappingWeightsFormat = 'safetensors' | 'pt'

/** `hf`: Hugging Face CLIPModel files (config.json + model.safetensors); `open_clip`: open_clip_config.json + its weights (ResNet towers). */
export type ClipFilesFormat = 'hf' | 'open_clip'

export interface Pack {
  dir: string
  name: string
  json: PackJson
  /** The generated tiny pack: captions are meaningless. */
  isTiny: boolean
  randomWeights: boolean
  clip: { dir: string; format: ClipFilesFormat; configPath: string; weightsPath: string; config: ClipConfig; vocabPath: string; mergesPath: string }
  gpt2: { dir: string; configPath: string; weightsPath: string; config: Gpt2Config }
  mapping: { dir: string; configPath: string; weightsPath: string; format: MappingWeightsFormat; config: MappingConfig; raw: Record<string, unknown> }
  generation: GenerationConfig
  imageSize: number
}

function mustExist(file: string, what: string): string {
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch {
    throw new PackError(`${file}: ${what} is missing`)
  }
  if (!st.isFile()) throw new PackError(`${file}: ${what} is not a file`)
  if (st.size === 0) throw new PackError(`${file}: ${what} is empty`)
  return file
}

function subdir(packDir: string, name: string, field: string): string {
  const dir = path.resolve(packDir, name)
  const rel = path.relative(packDir, dir)
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new PackError(`${path.join(packDir, 'pack.json')}: "${field}" must name a folder inside the pack, got ${JSON.stringify(name)}`)
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new PackError(`${dir}: the pack's ${field}/ folder is missing`)
  return dir
}

function wrap<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof PackError) throw error
    throw new PackError(error instanceof Error ? error.message : String(error))
  }
}

/** Which file in mapping/ holds the weights: pack.json's choice, else model.safetensors, else the one .pt. */
export function findMappingWeights(mappingDir: string, explicit: string | undefined, packJsonPath: string): { path: string; format: MappingWeightsFormat } {
  const formatOf = (f: string): MappingWeightsFormat | null =>
    f.endsWith('.safetensors') ? 'safetensors' : f.endsWith('.pt') || f.endsWith('.pth') ? 'pt' : null
  if (explicit !== undefined) {
    const p = path.join(mappingDir, explicit)
    const format = formatOf(p)
    if (!format) throw new PackError(`${packJsonPath}: mapping_weights ${JSON.stringify(explicit)} must be a .safetensors or .pt file`)
    return { path: mustExist(p, 'mapping weights file'), format }
  }
  const st = path.join(mappingDir, 'model.safetensors')
  if (fs.existsSync(st)) return { path: mustExist(st, 'mapping weights file'), format: 'safetensors' }
  const pts = fs
    .readdirSync(mappingDir)
    .filter((f) => formatOf(f) === 'pt')
    .sort()
  if (pts.length === 0) throw new PackError(`${mappingDir}: no mapping weights (expected model.safetensors or a ClipCap .pt checkpoint)`)
  if (pts.length > 1) throw new PackError(`${mappingDir}: several .pt checkpoints (${pts.join(', ')}); name one in pack.json "mapping_weights"`)
  return { path: mustExist(path.join(mappingDir, pts[0]!), 'mapping weights file'), format: 'pt' }
}

/**
 * The CLIP files of clip/: open_clip_config.json is looked for FIRST (a ResNet
 * CLIP's Hub folder, e.g. timm/resnet50x4_clip.openai, also holds timm's
 * image-only config.json and model.safetensors, which are not a CLIPModel);
 * its weights are open_clip_model.safetensors, else open_clip_pytorch_model.bin.
 * Otherwise the Hugging Face CLIPModel config.json + model.safetensors.
 */
export function findClipFiles(
  clipDir: string,
  declared: string | undefined,
  packJsonPath: string,
): { format: ClipFilesFormat; configPath: string; weightsPath: string; config: ClipConfig } {
  const openClipConfig = path.join(clipDir, OPEN_CLIP_CONFIG_FILE)
  if (fs.existsSync(openClipConfig) || declared === 'open_clip') {
    if (declared !== undefined && declared !== 'open_clip')
      throw new PackError(`${packJsonPath}: clip_format is ${JSON.stringify(declared)}, but ${openClipConfig} is an open_clip config`)
    const configPath = mustExist(openClipConfig, 'open_clip CLIP config')
    const config = wrap(() => parseOpenClipConfig(readJsonFile(configPath), configPath))
    const safetensors = path.join(clipDir, 'open_clip_model.safetensors')
    const bin = path.join(clipDir, 'open_clip_pytorch_model.bin')
    if (!fs.existsSync(safetensors) && !fs.existsSync(bin))
      throw new PackError(
        `${clipDir}: no open_clip weights (expected open_clip_model.safetensors or open_clip_pytorch_model.bin next to ${OPEN_CLIP_CONFIG_FILE})`,
      )
    const weightsPath = mustExist(fs.existsSync(safetensors) ? safetensors : bin, 'open_clip CLIP weights')
    return { format: 'open_clip', configPath, weightsPath, config }
  }
  if (declared !== undefined && declared !== 'hf')
    throw new PackError(`${packJsonPath}: clip_format must be "hf" or "open_clip", got ${JSON.stringify(declared)}`)
  const configPath = mustExist(path.join(clipDir, 'config.json'), 'CLIP config')
  const config = wrap(() => parseClipConfig(readJsonFile(configPath), configPath))
  // Hugging Face's openai/clip-vit-base-patch32 has model.safetensors only in a
  // conversion commit and pytorch_model.bin (the same tensors) on main: a pack
  // may hold either (the manifest's fallback source).
  const st = path.join(clipDir, 'model.safetensors')
  const bin = path.join(clipDir, 'pytorch_model.bin')
  const weightsPath =
    !fs.existsSync(st) && fs.existsSync(bin) ? mustExist(bin, 'CLIP weights') : mustExist(st, 'CLIP weights (model.safetensors or pytorch_model.bin)')
  return { format: 'hf', configPath, weightsPath, config }
}

export function openPack(packDir: string): Pack {
  const dir = path.resolve(packDir)
  if (!fs.existsSync(dir)) throw new PackError(`${dir}: model pack folder does not exist`)
  if (!fs.statSync(dir).isDirectory()) throw new PackError(`${dir}: a model pack must be a folder`)
  const packJsonPath = path.join(dir, 'pack.json')
  if (!fs.existsSync(packJsonPath)) throw new PackError(`${packJsonPath}: missing (not a model pack folder)`)
  const rawJson = wrap(() => readJsonFile(packJsonPath))
  const parsed = packJsonSchema.safeParse(rawJson)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new PackError(`${packJsonPath}: invalid pack.json (${issue ? `${issue.path.join('.') || 'root'}: ${issue.message}` : 'unknown problem'})`)
  }
  const json = parsed.data

  const clipDir = subdir(dir, json.clip, 'clip')
  const clipFiles = findClipFiles(clipDir, json.clip_format, packJsonPath)
  const clipConfigPath = clipFiles.configPath
  const clipConfig = clipFiles.config
  const clipWeights = clipFiles.weightsPath
  const vocabPath = mustExist(path.join(clipDir, 'vocab.json'), 'CLIP vocabulary')
  const mergesPath = mustExist(path.join(clipDir, 'merges.txt'), 'CLIP merges')

  const gpt2Dir = subdir(dir, json.gpt2, 'gpt2')
  const gpt2ConfigPath = mustExist(path.join(gpt2Dir, 'config.json'), 'GPT-2 config')
  const gpt2Config = wrap(() => parseGpt2Config(readJsonFile(gpt2ConfigPath), gpt2ConfigPath))
  const gpt2Weights = mustExist(path.join(gpt2Dir, 'model.safetensors'), 'GPT-2 weights')

  const mappingDir = subdir(dir, json.mapping, 'mapping')
  const mappingConfigPath = mustExist(path.join(mappingDir, 'config.json'), 'mapping config')
  const mappingRaw = wrap(() => readJsonFile(mappingConfigPath))
  const mappingConfig = wrap(() => parseMappingConfig(mappingRaw, mappingConfigPath, { clipDim: clipConfig.projectionDim, prefixDim: gpt2Config.nEmbd }))
  if (mappingConfig.clipDim !== clipConfig.projectionDim) {
    throw new PackError(
      `${mappingConfigPath}: clip_dim ${mappingConfig.clipDim} does not match the CLIP projection dim ${clipConfig.projectionDim} in ${clipConfigPath}`,
    )
  }
  if (mappingConfig.prefixDim !== gpt2Config.nEmbd) {
    throw new PackError(`${mappingConfigPath}: prefix_dim ${mappingConfig.prefixDim} does not match GPT-2 n_embd ${gpt2Config.nEmbd} in ${gpt2ConfigPath}`)
  }
  const mw = findMappingWeights(mappingDir, json.mapping_weights, packJsonPath)

  const generation: GenerationConfig = {
    stopTokenId: json.generation?.stop_token_id ?? paperGeneration.stopTokenId,
    maxTokens: json.generation?.entry_length ?? paperGeneration.maxTokens,
    beamSize: json.generation?.beam_size ?? paperGeneration.beamSize,
  }
  if (mappingConfig.prefixLength + generation.maxTokens > gpt2Config.nPositions) {
    throw new PackError(
      `${packJsonPath}: prefix length ${mappingConfig.prefixLength} + ${generation.maxTokens} tokens exceeds GPT-2's ${gpt2Config.nPositions} positions`,
    )
  }
  const imageSize = json.image_size ?? clipConfig.vision.imageSize
  if (imageSize !== clipConfig.vision.imageSize)
    throw new PackError(`${packJsonPath}: image_size ${imageSize} differs from the CLIP config's ${clipConfig.vision.imageSize}`)

  return {
    dir,
    name: json.name,
    json,
    isTiny: json.tiny === true,
    randomWeights: json.random_weights === true || json.tiny === true,
    clip: { dir: clipDir, format: clipFiles.format, configPath: clipConfigPath, weightsPath: clipWeights, config: clipConfig, vocabPath, mergesPath },
    gpt2: { dir: gpt2Dir, configPath: gpt2ConfigPath, weightsPath: gpt2Weights, config: gpt2Config },
    mapping: { dir: mappingDir, configPath: mappingConfigPath, weightsPath: mw.path, format: mw.format, config: mappingConfig, raw: mappingRaw },
    generation,
    imageSize,
  }
}
