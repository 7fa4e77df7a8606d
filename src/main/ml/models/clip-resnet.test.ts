// The ResNet CLIP tower against golden/clip_rn_tiny: every stage
// of OpenAI's ModifiedResNet, the attention pool, image and text embeddings,
// from open_clip's files (config + safetensors here; the PyTorch .bin of the
// same weights from ../shared when it is present).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTorchCheckpoint } from '../weights/torch-checkpoint.ts'
import { buildClipTextGraph, buildClipVisionGraph } from './clip.ts'
import { readJsonFile, type ClipConfig } from './config.ts'
import { parseOpenClipConfig } from './open-clip-config.ts'
import { normalizeOpenClipWeights, resnetVisionWeightSpec } from './open-clip-weights.ts'
import { allcloseReport, golden, openGraph, ortTensor, readGolden, tensor } from './testing/golden.ts'
import type { WeightMap } from './weight-names.ts'

const cases = readGolden('clip_rn_tiny', 'cases.safetensors')
const SHARED_BIN = path.resolve(
  fileURLToPath(new URL('../../../../', import.meta.url)),
  '..',
  'shared',
  'reference',
  'golden',
  'clip_rn_tiny',
  'open_clip_pytorch_model.bin',
)
let cfg: ClipConfig
let weights: WeightMap
let vision: ort.InferenceSession
let text: ort.InferenceSession

beforeAll(async () => {
  cfg = parseOpenClipConfig(readJsonFile(golden('clip_rn_tiny', 'open_clip_config.json')))
  weights = normalizeOpenClipWeights(readGolden('clip_rn_tiny', 'open_clip_model.safetensors'), cfg, 'clip_rn_tiny/open_clip_model.safetensors')
  vision = await openGraph(buildClipVisionGraph(weights, cfg, { debug: true }))
  text = await openGraph(buildClipTextGraph(weights, cfg, { debug: true }))
})

const ACT = [1e-4, 1e-4] as const

describe('ResNet CLIP golden cases (clip_rn_tiny)', () => {
  it('reads the open_clip config: stage depths, width, heads, embed_dim, 64 px, text tower heads from text_cfg', () => {
    expect(cfg.vision).toEqual({ architecture: 'resnet', imageSize: 64, layers: [1, 2, 1, 1], width: 16, heads: 8 })
    expect(cfg.projectionDim).toBe(24)
    expect(cfg.text).toMatchObject({ hidden: 32, heads: 2, layers: 2, intermediate: 128, maxPositions: 77, vocabSize: 49408 })
  })

  it('image tower: stem, every stage, the first strided block, the attention pool and image_embeds', async () => {
    const out = await vision.run({ pixel_values: ortTensor(tensor(cases, 'image.pixel_values')) })
    const checks: [string, number, number][] = [
      ['stem.act1', ...ACT],
      ['stem.act2', ...ACT],
      ['stem.act3', ...ACT],
      ['stem', ...ACT],
      ['layer1', ...ACT],
      ['layer2.0.branch_conv2', ...ACT],
      ['layer2.0.branch_avgpool', ...ACT],
      ['layer2.0.branch_bn3', ...ACT],
      ['layer2.0.downsample', ...ACT],
      ['layer2', ...ACT],
      ['layer3', ...ACT],
      ['layer4', ...ACT],
      ['attnpool.tokens', ...ACT],
      ['attnpool.attn_weights', 2e-5, 1e-4],
      ['image_embeds', 1e-4, 1e-4],
    ]
    for (const [name, atol, rtol] of checks) {
      const got = out[name]
      expect(got, name).toBeDefined()
      expect(allcloseReport(got!.data as Float32Array, got!.dims, tensor(cases, `image.${name}`), atol, rtol), name).toBeNull()
    }
  })

  it('text tower (OpenAI names, in_proj split, text_projection transposed): hidden states, pooled at the EOT, text_embeds', async () => {
    const out = await text.run({ input_ids: ortTensor(tensor(cases, 'text.input_ids')) })
    expect(allcloseReport(out.last_hidden_state!.data as Float32Array, out.last_hidden_state!.dims, tensor(cases, 'text.last_hidden_state'), ...ACT)).toBeNull()
    expect(allcloseReport(out.pooler_output!.data as Float32Array, out.pooler_output!.dims, tensor(cases, 'text.pooler_output'), ...ACT)).toBeNull()
    expect(allcloseReport(out.text_embeds!.data as Float32Array, out.text_embeds!.dims, tensor(cases, 'text.text_embeds'), 1e-4, 1e-4)).toBeNull()
  })

  it('the weight list matches the file: 171 tensors = the spec + text tower + logit_scale + num_batches_tracked buffers', () => {
    const raw = readGolden('clip_rn_tiny', 'open_clip_model.safetensors')
    const buffers = [...raw.keys()].filter((k) => k.endsWith('.num_batches_tracked')).length
    expect(raw.size).toBe(171)
    expect(buffers).toBeGreaterThan(0)
    expect(resnetVisionWeightSpec(cfg).every(([n]) => raw.has(n))).toBe(true)
    expect(weights.has('logit_scale')).toBe(true)
  })

  it('refuses a file whose tensors do not fit the config, naming the tensor', () => {
    const raw = readGolden('clip_rn_tiny', 'open_clip_model.safetensors')
    raw.delete('visual.layer2.0.downsample.1.running_var')
    expect(() => normalizeOpenClipWeights(raw, cfg, 'x.safetensors')).toThrow(
      /x\.safetensors: missing CLIP tensor visual\.layer2\.0\.downsample\.1\.running_var/,
    )
    const wider = { ...cfg, vision: { ...cfg.vision, width: 32, heads: 16 } } as ClipConfig
    expect(() => normalizeOpenClipWeights(readGolden('clip_rn_tiny', 'open_clip_model.safetensors'), wider, 'x.safetensors')).toThrow(
      /visual\.conv1\.weight has shape \[8,3,3,3\], expected \[16,3,3,3\]/,
    )
  })

  it.skipIf(!fs.existsSync(SHARED_BIN))('open_clip_pytorch_model.bin (PyTorch zip) holds the same tensors as the safetensors file', () => {
    const fromBin = normalizeOpenClipWeights(readTorchCheckpoint(SHARED_BIN), cfg, SHARED_BIN)
    expect([...fromBin.keys()].sort()).toEqual([...weights.keys()].sort())
    for (const [k, t] of weights)
      expect(Buffer.from((fromBin.get(k)!.data as Float32Array).buffer).equals(Buffer.from((t.data as Float32Array).buffer)), k).toBe(true)
  })
})
if (!fs.existsSync(SHARED_BIN)) console.warn(`skipping the open_clip .bin check: ${SHARED_BIN} is absent`)
