// Reading a pack's weights into canonical names (models/weight-names.ts).
// The mapping file may be the paper's PyTorch checkpoint (.pt) or safetensors;
// when it also carries GPT-2 weights (`gpt.*`, the "MLP + GPT-2 tuning"
// checkpoints) those override gpt2/'s weights — unless the mapping config says
// `gpt2_tuned: false` (a ClipCaptionPrefix state dict, like the paper's
// transformer checkpoint, carries the frozen stock GPT-2 too; then gpt2/ is
// used when the two are equal, the checkpoint's GPT-2 when they differ).
import { openSafetensors, readSafetensors } from '../weights/safetensors.ts'
import type { HostTensor } from '../weights/tensor.ts'
import { normalizeClipWeights, normalizeGpt2Weights, normalizeMappingWeights, splitClipcapCheckpoint, type WeightMap } from '../models/weight-names.ts'
import { isOpenClipVisionTensor, normalizeOpenClipWeights } from '../models/open-clip-weights.ts'
import { readTorchCheckpoint } from '../weights/torch-checkpoint.ts'
import { PackError, type Pack } from './pack.ts'

function asPackError(error: unknown): never {
  if (error instanceof PackError) throw error
  throw new PackError(error instanceof Error ? error.message : String(error))
}

/** Only the tensors whose names start with one of `prefixes` (lazy read: the rest stays on disk). */
function readSafetensorsFiltered(file: string, keep: (name: string) => boolean): WeightMap {
  const f = openSafetensors(file)
  const out: WeightMap = new Map()
  for (const name of f.names) if (keep(name)) out.set(name, f.get(name))
  return out
}

export function loadClipWeights(pack: Pack, part: 'vision' | 'text'): WeightMap {
  try {
    if (pack.clip.format === 'open_clip') {
      const keep = (n: string) => isOpenClipVisionTensor(n) === (part === 'vision')
      const file = pack.clip.weightsPath
      const raw = file.endsWith('.safetensors') ? readSafetensorsFiltered(file, keep) : new Map([...readTorchCheckpoint(file)].filter(([n]) => keep(n)))
      return normalizeOpenClipWeights(raw, pack.clip.config, file, part === 'vision' ? { vision: true } : { text: true })
    }
    const prefixes =
      part === 'vision'
        ? ['vision_model.', 'visual_projection.', 'clip.vision_model.', 'clip.visual_projection.']
        : ['text_model.', 'text_projection.', 'clip.text_model.', 'clip.text_projection.']
    const keep = (n: string): boolean => prefixes.some((p) => n.startsWith(p))
    const file = pack.clip.weightsPath
    // model.safetensors is read lazily; pytorch_model.bin (a PyTorch zip checkpoint) whole, then filtered.
    const raw = file.endsWith('.safetensors') ? readSafetensorsFiltered(file, keep) : new Map([...readTorchCheckpoint(file)].filter(([n]) => keep(n)))
    return normalizeClipWeights(raw, pack.clip.config, pack.clip.weightsPath, part === 'vision' ? { vision: true } : { text: true })
  } catch (error) {
    asPackError(error)
  }
}

/** The raw mapping checkpoint (all its tensors). */
export async function readMappingCheckpoint(pack: Pack): Promise<Map<string, HostTensor>> {
  try {
    if (pack.mapping.format === 'safetensors') return readSafetensors(pack.mapping.weightsPath)
    const { readTorchCheckpoint } = await import('../weights/torch-checkpoint.ts')
    return readTorchCheckpoint(pack.mapping.weightsPath)
  } catch (error) {
    asPackError(error)
  }
}

export interface PackModelWeights {
  mapping: WeightMap
  gpt2: WeightMap
  /** Where the GPT-2 weights came from (the mapping checkpoint when it overrides gpt2/). */
  gpt2Source: string
}

function sameWeights(a: WeightMap, b: WeightMap): boolean {
  if (a.size !== b.size) return false
  for (const [name, t] of a) {
    const u = b.get(name)
    if (!u || u.data.length !== t.data.length || u.shape.join() !== t.shape.join()) return false
    const x = t.data
    const y = u.data
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  }
  return true
}

export async function loadMappingAndGpt2Weights(pack: Pack): Promise<PackModelWeights> {
  const raw = await readMappingCheckpoint(pack)
  try {
    const mapping = normalizeMappingWeights(raw, pack.mapping.config, pack.mapping.weightsPath)
    const { gpt2: tuned } = splitClipcapCheckpoint(raw)
    const useTuned = tuned !== null && pack.mapping.raw.gpt2_tuned !== false
    if (useTuned) {
      return { mapping, gpt2: normalizeGpt2Weights(tuned, pack.gpt2.config, pack.mapping.weightsPath), gpt2Source: pack.mapping.weightsPath }
    }
    raw.clear()
    const gpt2 = normalizeGpt2Weights(readSafetensors(pack.gpt2.weightsPath), pack.gpt2.config, pack.gpt2.weightsPath)
    if (tuned !== null) {
      // A frozen-GPT-2 checkpoint (the paper's ClipCaptionPrefix saves its whole state dict) repeats
      // gpt2/'s weights: ignore them when they are equal. If they differ, the checkpoint's GPT-2 is the
      // one the mapping was trained with, so it is used.
      const carried = normalizeGpt2Weights(tuned, pack.gpt2.config, pack.mapping.weightsPath)
      if (!sameWeights(carried, gpt2)) return { mapping, gpt2: carried, gpt2Source: pack.mapping.weightsPath }
    }
    return { mapping, gpt2, gpt2Source: pack.gpt2.weightsPath }
  } catch (error) {
    asPackError(error)
  }
}
