// What training needs from a model pack: the GPT-2 and mapping configs and
// weights (CLIP is only needed to embed images, see the CLI). Reads the
// pack.json folder names like openPack but does not require the CLIP or
// tokenizer files, so a pack of just gpt2/ + mapping/ can be trained.
import fs from 'node:fs'
import path from 'node:path'
import { OPEN_CLIP_CONFIG_FILE, parseOpenClipConfig } from '../models/open-clip-config.ts'
import { parseClipConfig, parseGpt2Config, parseMappingConfig, readJsonFile, type Gpt2Config, type MappingConfig } from '../models/config.ts'
import { normalizeGpt2Weights, normalizeMappingWeights, type WeightMap } from '../models/weight-names.ts'
import { readSafetensors } from '../weights/safetensors.ts'

export interface TrainingPack {
  dir: string
  gpt2Dir: string
  mappingDir: string
  gpt2: Gpt2Config
  mapping: MappingConfig
  /** The mapping config.json as written (extra fields are kept when saving). */
  mappingJson: Record<string, unknown>
  gpt2Weights: WeightMap
  /** null when the pack has no mapping weights file. */
  mappingWeights: WeightMap | null
}

function folder(dir: string, json: Record<string, unknown>, key: string): string {
  const name = typeof json[key] === 'string' ? (json[key] as string) : key
  const p = path.resolve(dir, name)
  if (!fs.existsSync(p)) throw new Error(`${p}: the pack's ${key}/ folder is missing`)
  return p
}

/** The embedding size of the pack's CLIP (HF or open_clip config), when the pack has one. */
function clipEmbedDim(dir: string, json: Record<string, unknown>): number | undefined {
  const clipDir = path.resolve(dir, typeof json.clip === 'string' ? json.clip : 'clip')
  if (!fs.existsSync(clipDir)) return undefined
  const openClip = path.join(clipDir, OPEN_CLIP_CONFIG_FILE)
  if (fs.existsSync(openClip)) return parseOpenClipConfig(readJsonFile(openClip), openClip).projectionDim
  const hf = path.join(clipDir, 'config.json')
  return fs.existsSync(hf) ? parseClipConfig(readJsonFile(hf), hf).projectionDim : undefined
}

export async function loadTrainingPack(packDir: string): Promise<TrainingPack> {
  const dir = path.resolve(packDir)
  const packJson = path.join(dir, 'pack.json')
  if (!fs.existsSync(packJson)) throw new Error(`${packJson}: missing (not a model pack folder)`)
  const json = readJsonFile(packJson)
  const gpt2Dir = folder(dir, json, 'gpt2')
  const mappingDir = folder(dir, json, 'mapping')
  const gpt2ConfigPath = path.join(gpt2Dir, 'config.json')
  const gpt2 = parseGpt2Config(readJsonFile(gpt2ConfigPath), gpt2ConfigPath)
  const gpt2File = path.join(gpt2Dir, 'model.safetensors')
  if (!fs.existsSync(gpt2File)) throw new Error(`${gpt2File}: GPT-2 weights are missing`)
  const gpt2Weights = normalizeGpt2Weights(readSafetensors(gpt2File), gpt2, gpt2File)
  const mappingConfigPath = path.join(mappingDir, 'config.json')
  const mappingJson = readJsonFile(mappingConfigPath)
  // The mapping's input width is the CLIP tower's embedding size (512 for ViT-B/32, 640 for RN50x4).
  const clipDim = clipEmbedDim(dir, json)
  const mapping = parseMappingConfig(mappingJson, mappingConfigPath, { prefixDim: gpt2.nEmbd, ...(clipDim !== undefined ? { clipDim } : {}) })
  if (clipDim !== undefined && mapping.clipDim !== clipDim)
    throw new Error(`${mappingConfigPath}: clip_dim ${mapping.clipDim} does not match the pack's CLIP embedding size ${clipDim}`)
  let mappingWeights: WeightMap | null = null
  const st = path.join(mappingDir, 'model.safetensors')
  if (fs.existsSync(st)) mappingWeights = normalizeMappingWeights(readSafetensors(st), mapping, st)
  else {
    const pt = fs.readdirSync(mappingDir).find((f) => f.endsWith('.pt') || f.endsWith('.pth'))
    if (pt) {
      const file = path.join(mappingDir, pt)
      const reader = '../weights/torch-checkpoint.ts' // helper ml-io's .pt reader (loaded only for .pt mappings)
      const mod = (await import(reader)) as { readTorchCheckpoint(p: string): WeightMap }
      mappingWeights = normalizeMappingWeights(mod.readTorchCheckpoint(file), mapping, file)
    }
  }
  return { dir, gpt2Dir, mappingDir, gpt2, mapping, mappingJson, gpt2Weights, mappingWeights }
}
