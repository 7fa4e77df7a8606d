// What the first-run and Settings screens say about model packs and the
// processor, in a person's words. Pure, so the wording is tested in one place.
import type { ModelPack, ModelsInfo } from '../../../shared/types.ts'
import { bytes } from './format.ts'

/**
 * The pack to recommend: the paper's COCO model (plain, literal captions, the
 * kind alt text wants), else the first real pack. Never the tiny test pack.
 */
export function recommendedPack(packs: readonly ModelPack[]): ModelPack | null {
  const real = packs.filter((p) => !p.isTiny)
  return real.find((p) => /coco/i.test(p.id) && /vitb32/i.test(p.id)) ?? real.find((p) => /coco/i.test(p.id)) ?? real[0] ?? null
}

/** Real packs first (the recommended one at the top), the test pack last. */
export function orderPacks(packs: readonly ModelPack[]): ModelPack[] {
  const rec = recommendedPack(packs)
  const rank = (p: ModelPack): number => (p === rec ? 0 : p.isTiny ? 2 : 1)
  return [...packs].sort((a, b) => rank(a) - rank(b))
}

/**
 * The download size as known before anything starts: exact ("1.2 GB"), or a
 * range when some file has no published size ("1.1 GB, at most 2.1 GB").
 */
export function downloadSize(pack: Pick<ModelPack, 'sizeBytes' | 'sizeExact' | 'sizeAtMostBytes'>): string {
  if (pack.sizeExact) return pack.sizeBytes > 0 ? bytes(pack.sizeBytes) : 'size not published'
  if (pack.sizeAtMostBytes > pack.sizeBytes)
    return pack.sizeBytes > 0 ? `${bytes(pack.sizeBytes)} to ${bytes(pack.sizeAtMostBytes)}` : `at most ${bytes(pack.sizeAtMostBytes)}`
  return `about ${bytes(pack.sizeBytes)}`
}

const processorWords: Record<string, string> = {
  cpu: 'the CPU',
  cuda: 'your graphics card (CUDA)',
  dml: 'your graphics card (DirectML)',
  coreml: 'the Apple Neural Engine or graphics chip (Core ML)',
  webgpu: 'your graphics card (WebGPU)',
}
export const processorName = (id: string): string => processorWords[id] ?? id

/** The provider an accelerator fallback reason is about ("cuda failed: …", "CUDA provider library …"). */
function acceleratorIn(reason: string): string | null {
  const m = /\b(cuda|dml|directml|coreml|webgpu)\b/i.exec(reason)
  if (!m) return null
  const id = m[1]!.toLowerCase()
  return id === 'directml' ? 'dml' : id
}

export interface ProcessorSummary {
  /** One sentence for everyone: "Processor: … ". */
  plain: string
  /** The engine's own words, for "Technical detail" (null when there is nothing more to say). */
  detail: string | null
  /** True when an accelerator was wanted or possible but is not used. */
  fellBack: boolean
}

export function processorSummary(models: Pick<ModelsInfo, 'provider' | 'providerFallbackReason'>): ProcessorSummary {
  const { provider, providerFallbackReason: reason } = models
  if (provider === null) {
    if (reason) return { plain: 'Processor: the captioning model could not start.', detail: reason, fellBack: false }
    return { plain: 'Processor: chosen when the captioning model starts.', detail: null, fellBack: false }
  }
  if (reason) {
    const wanted = acceleratorIn(reason)
    const accel = wanted ? processorName(wanted) : 'your graphics card'
    const why = /not installed|no cuda provider|not available|no accelerator/i.test(reason) ? 'is not set up' : 'could not be used'
    return { plain: `Processor: ${accel} ${why}; using ${processorName(provider)}.`, detail: reason, fellBack: provider === 'cpu' }
  }
  return { plain: `Processor: using ${processorName(provider)}.`, detail: null, fellBack: false }
}
