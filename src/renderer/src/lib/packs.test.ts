import { describe, expect, it } from 'vitest'
import { sampleModels } from '../../../shared/api-samples.ts'
import type { ModelPack } from '../../../shared/types.ts'
import { downloadSize, orderPacks, processorSummary, recommendedPack } from './packs.ts'

const pack = (id: string, extra: Partial<ModelPack> = {}): ModelPack => ({
  id,
  name: id,
  description: '',
  sizeBytes: 0,
  sizeExact: true,
  sizeAtMostBytes: 0,
  installed: false,
  active: false,
  isTiny: false,
  trustedOnFirstUse: [],
  ...extra,
})

describe('recommended pack', () => {
  it('is the COCO ViT-B/32 pack, never the tiny test pack, and comes first', () => {
    const packs = [
      pack('tiny', { isTiny: true, installed: true, active: true }),
      pack('clipcap-conceptual-vitb32'),
      pack('clipcap-transformer-rn50x4'),
      pack('clipcap-coco-vitb32'),
    ]
    expect(recommendedPack(packs)?.id).toBe('clipcap-coco-vitb32')
    expect(orderPacks(packs).map((p) => p.id)).toEqual(['clipcap-coco-vitb32', 'clipcap-conceptual-vitb32', 'clipcap-transformer-rn50x4', 'tiny'])
  })
  it('is nothing when only the test pack exists', () => {
    expect(recommendedPack([pack('tiny', { isTiny: true })])).toBeNull()
  })
})

describe('download size', () => {
  it('is exact, or a range up to the most it can be when some file publishes no size', () => {
    expect(downloadSize({ sizeBytes: 1_200_000_000, sizeExact: true, sizeAtMostBytes: 1_200_000_000 })).toBe('1.1 GB')
    expect(downloadSize(sampleModels.packs[1]!)).toBe('1.1 GB to 2.1 GB')
    expect(downloadSize({ sizeBytes: 0, sizeExact: false, sizeAtMostBytes: 700 * 1024 * 1024 })).toBe('at most 700 MB')
    expect(downloadSize({ sizeBytes: 0, sizeExact: true, sizeAtMostBytes: 0 })).toBe('size not published')
  })
})

describe('processor in plain words', () => {
  it('says the graphics card is not set up and the CPU is used, with the engine reason as detail', () => {
    const reason = 'CUDA provider library not installed (see README: installing onnxruntime-node with CUDA)'
    expect(processorSummary({ provider: 'cpu', providerFallbackReason: reason })).toEqual({
      plain: 'Processor: your graphics card (CUDA) is not set up; using the CPU.',
      detail: reason,
      fellBack: true,
    })
    expect(processorSummary({ provider: 'cpu', providerFallbackReason: 'cuda failed: CUDA_ERROR_NO_DEVICE' }).plain).toBe(
      'Processor: your graphics card (CUDA) could not be used; using the CPU.',
    )
  })
  it('names the processor in use, or says when it is not chosen yet or failed', () => {
    expect(processorSummary({ provider: 'cuda', providerFallbackReason: null })).toEqual({
      plain: 'Processor: using your graphics card (CUDA).',
      detail: null,
      fellBack: false,
    })
    expect(processorSummary({ provider: null, providerFallbackReason: null }).plain).toBe('Processor: chosen when the captioning model starts.')
    expect(processorSummary({ provider: null, providerFallbackReason: 'model.onnx: cannot load model' })).toMatchObject({
      plain: 'Processor: the captioning model could not start.',
      detail: 'model.onnx: cannot load model',
    })
  })
})
