// Compile model weights + configs into ONNX files (our graph builder, emitted
// with onnx-proto; big weights in one external data file per model).
//
// Files written into `outDir` (each model's weights in `<file>.data` beside it):
//   clip-vision.onnx   pixel_values [B,3,S,S]      -> image_embeds [B,proj]
//   clip-text.onnx     input_ids int64 [B,T]       -> text_embeds [B,proj]
//   mapping.onnx       clip_embedding [B,clip_dim] -> prefix [B,K,E]
//   gpt2-decoder.onnx  the KV-cache decoder (its I/O: buildGpt2DecoderGraph in models/gpt2.ts)
// Callers (the pack cache) own the folder's atomicity; each file is itself
// written under a temporary name and renamed.
import type { Graph } from '../graph/ir.ts'
import { emitOnnx, type EmitResult } from '../graph/emit-onnx.ts'
import { optimizeForInference } from '../graph/optimize.ts'
import path from 'node:path'
import { readSafetensors } from '../weights/safetensors.ts'
import { buildClipTextGraph, buildClipVisionGraph } from '../models/clip.ts'
import { parseClipConfig, parseGpt2Config, parseMappingConfig, readJsonFile, type ClipConfig, type Gpt2Config, type MappingConfig } from '../models/config.ts'
import { buildGpt2DecoderGraph } from '../models/gpt2.ts'
import { buildMappingGraph } from '../models/mapping.ts'
import {
  normalizeClipWeights,
  normalizeGpt2Weights,
  normalizeMappingWeights,
  splitClipcapCheckpoint,
  WeightsError,
  type WeightMap,
} from '../models/weight-names.ts'

export const CLIP_VISION_FILE = 'clip-vision.onnx'
export const CLIP_TEXT_FILE = 'clip-text.onnx'
export const MAPPING_FILE = 'mapping.onnx'
export const GPT2_DECODER_FILE = 'gpt2-decoder.onnx'

/** Initializers of at least 1 KiB go to the external data file. */
export const DEFAULT_EXTERNAL_DATA_THRESHOLD = 1024

export interface CompiledFile {
  modelPath: string
  /** External data file, or null when all weights were inlined. */
  dataPath: string | null
  modelBytes: number
  dataBytes: number
}

/** Weights given as a file path (safetensors) or as an already-read map (e.g. from a .pt via readTorchCheckpoint). */
export type WeightsInput = string | WeightMap

export interface CompileCommon {
  outDir: string
  externalDataThreshold?: number
  /** Add debug outputs (hidden states; used by golden tests). */
  debug?: boolean
}

function loadWeights(input: WeightsInput, source: string | undefined): { map: WeightMap; source: string } {
  if (typeof input === 'string') return { map: readSafetensors(input), source: source ?? input }
  return { map: input, source: source ?? 'weights' }
}

function emit(graph: Graph, fileName: string, opts: CompileCommon, metadata: Record<string, string>): CompiledFile {
  const res: EmitResult = emitOnnx(optimizeForInference(graph), {
    dir: opts.outDir,
    fileName,
    externalDataThreshold: opts.externalDataThreshold ?? DEFAULT_EXTERNAL_DATA_THRESHOLD,
    metadata,
  })
  return res
}

/**
 * Every compile function takes either `dir` (a Hugging Face style model
 * folder: config.json + model.safetensors) or explicit `config` and
 * `weights`; explicit values win over the folder's files.
 */
export interface ModelSource<C> {
  dir?: string
  config?: C
  weights?: WeightsInput
}

function resolveSource<C>(src: ModelSource<C>, what: string, parse: (json: Record<string, unknown>, file: string) => C): { config: C; weights: WeightsInput } {
  const configPath = src.dir ? path.join(src.dir, 'config.json') : null
  const config = src.config ?? (configPath ? parse(readJsonFile(configPath), configPath) : null)
  const weights = src.weights ?? (src.dir ? path.join(src.dir, 'model.safetensors') : null)
  if (!config || !weights) throw new Error(`compile ${what}: give a model folder (dir) or both config and weights`)
  return { config, weights }
}

export interface CompileClipOptions extends CompileCommon, ModelSource<ClipConfig> {
  /** Names the weights in errors (default: the path). */
  weightsSource?: string
  /** Which towers to write (default both). */
  parts?: { vision?: boolean; text?: boolean }
}

/** Compile the CLIP towers into clip-vision.onnx and/or clip-text.onnx. */
export function compileClip(opts: CompileClipOptions): { vision: CompiledFile | null; text: CompiledFile | null } {
  const parts = opts.parts ?? { vision: true, text: true }
  const { config, weights: input } = resolveSource(opts, 'CLIP', parseClipConfig)
  const { map, source } = loadWeights(input, opts.weightsSource)
  const weights = normalizeClipWeights(map, config, source, parts)
  const meta = { model: 'clip', projection_dim: String(config.projectionDim) }
  return {
    vision: parts.vision ? emit(buildClipVisionGraph(weights, config, { debug: opts.debug ?? false }), CLIP_VISION_FILE, opts, meta) : null,
    text: parts.text ? emit(buildClipTextGraph(weights, config, { debug: opts.debug ?? false }), CLIP_TEXT_FILE, opts, meta) : null,
  }
}

export interface CompileMappingOptions extends CompileCommon, ModelSource<MappingConfig> {
  /** Model sizes for mapping configs that omit clip_dim / prefix_dim. */
  sizes?: { clipDim?: number; prefixDim?: number }
  weightsSource?: string
}

/** Compile the mapping network into mapping.onnx. */
export function compileMapping(opts: CompileMappingOptions): CompiledFile {
  const { config, weights: input } = resolveSource(opts, 'mapping', (json, file) => parseMappingConfig(json, file, opts.sizes ?? {}))
  const { map, source } = loadWeights(input, opts.weightsSource)
  const weights = normalizeMappingWeights(map, config, source)
  return emit(buildMappingGraph(weights, config, { debug: opts.debug ?? false }), MAPPING_FILE, opts, {
    model: `mapping-${config.type}`,
    prefix_length: String(config.prefixLength),
  })
}

export interface CompileGpt2Options extends CompileCommon, ModelSource<Gpt2Config> {
  /** Names the weights in errors (default: the path). */
  weightsSource?: string
}

/** Compile the GPT-2 KV-cache decoder into gpt2-decoder.onnx. */
export function compileGpt2(opts: CompileGpt2Options): CompiledFile {
  const { config, weights: input } = resolveSource(opts, 'GPT-2', parseGpt2Config)
  const { map, source } = loadWeights(input, opts.weightsSource)
  const weights = normalizeGpt2Weights(map, config, source)
  return emit(buildGpt2DecoderGraph(weights, config, { debugHidden: opts.debug ?? false }), GPT2_DECODER_FILE, opts, {
    model: 'gpt2-decoder',
    n_layer: String(config.nLayer),
    n_head: String(config.nHead),
    n_embd: String(config.nEmbd),
  })
}

/**
 * The GPT-2 weights a ClipCap checkpoint carries (`gpt.*`, the paper's
 * "GPT-2 tuning" models), or null when it holds only the mapping. When
 * present they override the pack's gpt2/ weights (pass them to compileGpt2).
 */
export function checkpointGpt2Weights(checkpoint: WeightMap): WeightMap | null {
  return splitClipcapCheckpoint(checkpoint).gpt2
}

/** Check that the three models fit together (dimensions), naming the mismatch. */
export function checkModelsFit(clip: ClipConfig, mapping: MappingConfig, gpt2: Gpt2Config, where = 'pack'): void {
  if (mapping.clipDim !== clip.projectionDim)
    throw new WeightsError(`${where}: mapping expects CLIP embeddings of size ${mapping.clipDim}, but CLIP projects to ${clip.projectionDim}`)
  if (mapping.prefixDim !== gpt2.nEmbd)
    throw new WeightsError(`${where}: mapping produces vectors of size ${mapping.prefixDim}, but GPT-2 n_embd is ${gpt2.nEmbd}`)
  if (mapping.prefixLength >= gpt2.nPositions)
    throw new WeightsError(`${where}: prefix length ${mapping.prefixLength} leaves no room in GPT-2's ${gpt2.nPositions} positions`)
}
