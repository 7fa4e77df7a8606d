import type * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildClipTextGraph, buildClipVisionGraph } from './clip.ts'
import { parseClipConfig, readJsonFile, type ClipConfig } from './config.ts'
import { allcloseReport, golden, i64Tensor, openGraph, ortTensor, readGolden, tensor } from './testing/golden.ts'
import { normalizeClipWeights, type WeightMap } from './weight-names.ts'

const cases = readGolden('clip_tiny', 'cases.safetensors')
let cfg: ClipConfig
let weights: WeightMap
let vision: ort.InferenceSession
let text: ort.InferenceSession

beforeAll(async () => {
  cfg = parseClipConfig(readJsonFile(golden('clip_tiny', 'config.json')))
  weights = normalizeClipWeights(readGolden('clip_tiny', 'model.safetensors'), cfg, 'clip_tiny/model.safetensors')
  vision = await openGraph(buildClipVisionGraph(weights, cfg, { debug: true }))
  text = await openGraph(buildClipTextGraph(weights, cfg, { debug: true }))
})

function normalizeRows(data: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(data.length)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let j = 0; j < dim; j++) s += data[r * dim + j]! ** 2
    const n = Math.sqrt(s)
    for (let j = 0; j < dim; j++) out[r * dim + j] = data[r * dim + j]! / n
  }
  return out
}

function firstEot(ids: BigInt64Array, rows: number, len: number): number[] {
  const out: number[] = []
  for (let r = 0; r < rows; r++) {
    let best = 0
    for (let t = 1; t < len; t++) if (ids[r * len + t]! > ids[r * len + best]!) best = t
    out.push(best)
  }
  return out
}

describe('CLIP golden cases (clip_tiny)', () => {
  let imageEmbeds: Float32Array
  let textEmbeds: Float32Array

  it('vision tower: pixel_values -> last hidden state, pooled, image_embeds (not normalised)', async () => {
    const out = await vision.run({ pixel_values: ortTensor(tensor(cases, 'image.pixel_values')) })
    expect(
      allcloseReport(out.last_hidden_state!.data as Float32Array, out.last_hidden_state!.dims, tensor(cases, 'image.last_hidden_state'), 1e-4, 1e-4),
    ).toBeNull()
    expect(allcloseReport(out.pooler_output!.data as Float32Array, out.pooler_output!.dims, tensor(cases, 'image.pooler_output'), 1e-4, 1e-4)).toBeNull()
    imageEmbeds = out.image_embeds!.data as Float32Array
    expect(allcloseReport(imageEmbeds, out.image_embeds!.dims, tensor(cases, 'image.image_embeds'), 1e-4, 1e-4)).toBeNull()
    expect(
      allcloseReport(normalizeRows(imageEmbeds, 2, cfg.projectionDim), [2, cfg.projectionDim], tensor(cases, 'image.image_embeds_normalized'), 2e-5, 1e-4),
    ).toBeNull()
  })

  it('text tower: 77-token rows -> hidden states, pooled at the first EOT, text_embeds', async () => {
    const ids = tensor(cases, 'text.input_ids')
    expect(firstEot(ids.data as BigInt64Array, 3, 77)).toEqual(Array.from(tensor(cases, 'text.eot_index').data as BigInt64Array, Number))
    const out = await text.run({ input_ids: ortTensor(ids) })
    expect(
      allcloseReport(out.last_hidden_state!.data as Float32Array, out.last_hidden_state!.dims, tensor(cases, 'text.last_hidden_state'), 1e-4, 1e-4),
    ).toBeNull()
    expect(allcloseReport(out.pooler_output!.data as Float32Array, out.pooler_output!.dims, tensor(cases, 'text.pooler_output'), 1e-4, 1e-4)).toBeNull()
    textEmbeds = out.text_embeds!.data as Float32Array
    expect(allcloseReport(textEmbeds, out.text_embeds!.dims, tensor(cases, 'text.text_embeds'), 1e-4, 1e-4)).toBeNull()
    expect(
      allcloseReport(normalizeRows(textEmbeds, 3, cfg.projectionDim), [3, cfg.projectionDim], tensor(cases, 'text.text_embeds_normalized'), 2e-5, 1e-4),
    ).toBeNull()
  })

  it('text tower: cutting the rows after the last EOT of the batch gives the same text_embeds', async () => {
    const ids = tensor(cases, 'text.input_ids').data as BigInt64Array
    const cut = Math.max(...firstEot(ids, 3, 77)) + 1
    const short = new BigInt64Array(3 * cut)
    for (let r = 0; r < 3; r++) short.set(ids.subarray(r * 77, r * 77 + cut), r * cut)
    const out = await text.run({ input_ids: i64Tensor(short, [3, cut]) })
    expect(allcloseReport(out.text_embeds!.data as Float32Array, out.text_embeds!.dims, tensor(cases, 'text.text_embeds'), 1e-4, 1e-4)).toBeNull()
  })

  it('similarity logits: exp(logit_scale) · normalised image · normalised text', () => {
    const scale = Math.exp((weights.get('logit_scale')!.data as Float32Array)[0]!)
    const D = cfg.projectionDim
    const ni = normalizeRows(imageEmbeds, 2, D)
    const nt = normalizeRows(textEmbeds, 3, D)
    const perImage = new Float32Array(6)
    const perText = new Float32Array(6)
    for (let i = 0; i < 2; i++) {
      for (let t = 0; t < 3; t++) {
        let s = 0
        for (let j = 0; j < D; j++) s += ni[i * D + j]! * nt[t * D + j]!
        perImage[i * 3 + t] = scale * s
        perText[t * 2 + i] = scale * s
      }
    }
    expect(allcloseReport(perImage, [2, 3], tensor(cases, 'logits_per_image'), 5e-3, 1e-4)).toBeNull()
    expect(allcloseReport(perText, [3, 2], tensor(cases, 'logits_per_text'), 5e-3, 1e-4)).toBeNull()
  })
})
