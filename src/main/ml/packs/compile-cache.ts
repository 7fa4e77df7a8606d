// Packs compile once into ONNX files, cached under a key of the pack's hashes.
//
// [Note: compile cache]
// <cacheRoot>/<compileKey>/ holds clip-vision.onnx, clip-text.onnx,
// mapping.onnx, gpt2-decoder.onnx (+ their external data files) and, written
// LAST, compiled.json: the hashes it was built from and every file's size
// (plus the sha256 of the small .onnx protobufs). A folder is used only when
// compiled.json parses, names the same key and every file has its recorded size;
// otherwise it is deleted and rebuilt. Builds happen in a temp folder beside it
// (every file fsynced), which is renamed into place in one step, so a crash or a
// concurrent build never leaves a half-written cache that a reader would use.
// A changed pack has other hashes, hence another key: it recompiles.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { emitOnnx } from '../graph/emit-onnx.ts'
import { optimizeForInference, pruneUnused } from '../graph/optimize.ts'
import { quantizeWeights, weightBits, type WeightFormat } from '../graph/quantize.ts'
import type { Graph } from '../graph/ir.ts'
import { buildClipTextGraph, buildClipVisionGraph } from '../models/clip.ts'
import { buildGpt2DecoderGraph } from '../models/gpt2.ts'
import { buildMappingGraph } from '../models/mapping.ts'
import type { Pack } from './pack.ts'
import { COMPILER_VERSION, type PackHashes } from './hashes.ts'
import { loadClipWeights, loadMappingAndGpt2Weights } from './pack-weights.ts'

export const MODEL_FILES = {
  clipVision: 'clip-vision.onnx',
  clipText: 'clip-text.onnx',
  mapping: 'mapping.onnx',
  gpt2: 'gpt2-decoder.onnx',
} as const

export type ModelName = keyof typeof MODEL_FILES

const MARKER = 'compiled.json'

const markerSchema = z.object({
  compiler: z.string(),
  compileKey: z.string(),
  pack: z.string(),
  hashes: z.record(z.string(), z.string()),
  files: z.record(z.string(), z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().optional() })),
  gpt2Source: z.string(),
  seconds: z.number(),
})

export interface CompiledPack {
  dir: string
  paths: Record<ModelName, string>
  /** True when this call compiled (false: the cache was used). */
  compiled: boolean
  /** Compile time in seconds when compiled now, else the recorded time. */
  seconds: number
  /** Why an existing cache folder was rebuilt, if it was. */
  rebuiltBecause: string | null
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

function fsyncDir(dir: string): void {
  try {
    fsyncFile(dir)
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

function sha256Of(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

/** Why the cache folder cannot be used, or null when it is complete. */
export function checkCompiled(dir: string, compileKey: string): string | null {
  const markerPath = path.join(dir, MARKER)
  if (!fs.existsSync(markerPath)) return 'no completion marker'
  let marker: z.infer<typeof markerSchema>
  try {
    marker = markerSchema.parse(JSON.parse(fs.readFileSync(markerPath, 'utf8')))
  } catch (error) {
    return `unreadable marker (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`
  }
  if (marker.compileKey !== compileKey || marker.compiler !== COMPILER_VERSION) return 'marker for other weights'
  for (const name of Object.values(MODEL_FILES)) if (!marker.files[name]) return `marker lacks ${name}`
  for (const [name, info] of Object.entries(marker.files)) {
    const file = path.join(dir, name)
    let size: number
    try {
      size = fs.statSync(file).size
    } catch {
      return `${name} is missing`
    }
    if (size !== info.bytes) return `${name} has ${size} bytes, expected ${info.bytes}`
    if (info.sha256 && sha256Of(file) !== info.sha256) return `${name} is corrupt (sha256 mismatch)`
  }
  return null
}

/** Temp folders of builds that crashed (older than a day: no build takes that long). */
function removeStaleBuilds(cacheRoot: string): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000
  for (const name of fs.readdirSync(cacheRoot)) {
    if (!name.startsWith('.tmp-')) continue
    const p = path.join(cacheRoot, name)
    try {
      if (fs.statSync(p).mtimeMs < dayAgo) fs.rmSync(p, { recursive: true, force: true })
    } catch {
      // another process may be removing it too
    }
  }
}

function pathsIn(dir: string): Record<ModelName, string> {
  return {
    clipVision: path.join(dir, MODEL_FILES.clipVision),
    clipText: path.join(dir, MODEL_FILES.clipText),
    mapping: path.join(dir, MODEL_FILES.mapping),
    gpt2: path.join(dir, MODEL_FILES.gpt2),
  }
}

export interface CompileOptions {
  log?: (text: string) => void
  /**
   * 'float32' (default, the paper's numbers) or an opt-in weight-only
   * quantized fast mode (graph/quantize.ts) for CLIP vision, the mapping and
   * GPT-2; the CLIP text tower stays float32. Compiled into its own cache folder.
   */
  weights?: WeightFormat
}

/** Compiled ONNX files of `pack`: from the cache when complete, else built now. */
export async function compilePack(pack: Pack, hashes: PackHashes, cacheRoot: string, options: CompileOptions = {}): Promise<CompiledPack> {
  const weightFormat = options.weights ?? 'float32'
  const bits = weightBits(weightFormat)
  const compileKey = bits === null ? hashes.compileKey : `${hashes.compileKey}-${weightFormat}`
  const dir = path.join(cacheRoot, compileKey)
  let rebuiltBecause: string | null = null
  if (fs.existsSync(dir)) {
    const problem = checkCompiled(dir, compileKey)
    if (problem === null) {
      const marker = markerSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')))
      return { dir, paths: pathsIn(dir), compiled: false, seconds: marker.seconds, rebuiltBecause: null }
    }
    rebuiltBecause = problem
    options.log?.(`compile cache ${dir} is unusable (${problem}); rebuilding`)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  fs.mkdirSync(cacheRoot, { recursive: true })
  removeStaleBuilds(cacheRoot)
  const tmp = path.join(cacheRoot, `.tmp-${compileKey}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`)
  fs.mkdirSync(tmp)
  const started = performance.now()
  try {
    const files: Record<string, { bytes: number; sha256?: string }> = {}
    const emit = (graph: Graph, fileName: string, quantize = false): void => {
      const optimized = optimizeForInference(graph)
      const r = emitOnnx(quantize && bits !== null ? pruneUnused(quantizeWeights(optimized, { bits })) : optimized, {
        dir: tmp,
        fileName,
        externalDataThreshold: 1024,
        metadata: { pack: pack.name, compileKey, weights: weightFormat },
      })
      fsyncFile(r.modelPath)
      files[path.basename(r.modelPath)] = { bytes: r.modelBytes, sha256: sha256Of(r.modelPath) }
      if (r.dataPath) {
        fsyncFile(r.dataPath)
        files[path.basename(r.dataPath)] = { bytes: r.dataBytes }
      }
    }
    options.log?.(`compiling ${pack.name}: CLIP vision`)
    emit(buildClipVisionGraph(loadClipWeights(pack, 'vision'), pack.clip.config), MODEL_FILES.clipVision, true)
    options.log?.(`compiling ${pack.name}: CLIP text`)
    emit(buildClipTextGraph(loadClipWeights(pack, 'text'), pack.clip.config), MODEL_FILES.clipText)
    options.log?.(`compiling ${pack.name}: mapping + GPT-2`)
    let weights: Awaited<ReturnType<typeof loadMappingAndGpt2Weights>> | null = await loadMappingAndGpt2Weights(pack)
    emit(buildMappingGraph(weights.mapping, pack.mapping.config), MODEL_FILES.mapping, true)
    emit(buildGpt2DecoderGraph(weights.gpt2, pack.gpt2.config), MODEL_FILES.gpt2, true)
    const gpt2Source = weights.gpt2Source
    weights = null
    const seconds = (performance.now() - started) / 1000
    const marker: z.infer<typeof markerSchema> = {
      compiler: COMPILER_VERSION,
      compileKey,
      pack: pack.dir,
      hashes: { clip: hashes.clip, gpt2: hashes.gpt2, mapping: hashes.mapping },
      files,
      gpt2Source,
      seconds,
    }
    const markerPath = path.join(tmp, MARKER)
    fs.writeFileSync(markerPath, JSON.stringify(marker, null, 2))
    fsyncFile(markerPath)
    fsyncDir(tmp)
    try {
      fs.renameSync(tmp, dir)
    } catch (error) {
      // Another process finished the same build first: use theirs if complete.
      if (checkCompiled(dir, compileKey) !== null) throw error
      fs.rmSync(tmp, { recursive: true, force: true })
    }
    fsyncDir(cacheRoot)
    return { dir, paths: pathsIn(dir), compiled: true, seconds, rebuiltBecause }
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw error
  }
}
