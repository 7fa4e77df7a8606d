// End-to-end through the compile functions users run: golden pixels ->
// image_embeds -> prefix -> greedy tokens with the KV-cache decoder, for both
// mapper variants (e2e/captions.json, e2e/tensors.safetensors).
import fs from 'node:fs'
import path from 'node:path'
import type * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseClipConfig, parseGpt2Config, parseMappingConfig, readJsonFile, type Gpt2Config } from '../models/config.ts'
import { allcloseReport, f32Tensor, golden, i64Tensor, readGolden, tensor, tmpDir } from '../models/testing/golden.ts'
import { readSafetensors } from '../weights/safetensors.ts'
import { checkModelsFit, compileClip, compileGpt2, compileMapping, CLIP_TEXT_FILE, CLIP_VISION_FILE, GPT2_DECODER_FILE, MAPPING_FILE } from './compile.ts'
import { createSession } from './session.ts'

interface GreedyCase {
  id: string
  variant: 'mlp' | 'transformer'
  normalize_clip_embedding: boolean
  greedy: { tokens: number[] }
}

const captions = JSON.parse(fs.readFileSync(golden('e2e', 'captions.json'), 'utf8')) as {
  stop_token: { id: number }
  entry_length: number
  cases: GreedyCase[]
}
const e2e = readGolden('e2e', 'tensors.safetensors')
const pixels = readGolden('e2e', 'pixels_rgb_u8.safetensors')

const MEAN = [0.48145466, 0.4578275, 0.40821073]
const STD = [0.26862954, 0.26130258, 0.27577711]

/** CLIP normalisation of a [S,S,3] uint8 crop to [1,3,S,S] float32 (torchvision ToTensor + Normalize, in float32). */
function normalizePixels(rgb: Uint8Array, size: number): Float32Array {
  const out = new Float32Array(3 * size * size)
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(MEAN[c]!)
    const std = Math.fround(STD[c]!)
    for (let i = 0; i < size * size; i++) out[c * size * size + i] = Math.fround(Math.fround(Math.fround(rgb[i * 3 + c]! / 255) - mean) / std)
  }
  return out
}

const dirs: Record<string, string> = {}
let gpt2Cfg: Gpt2Config
let vision: ort.InferenceSession
let decoder: ort.InferenceSession
const mappings: Record<string, ort.InferenceSession> = {}

beforeAll(async () => {
  const clipCfg = parseClipConfig(readJsonFile(golden('clip_tiny', 'config.json')))
  gpt2Cfg = parseGpt2Config(readJsonFile(golden('gpt2_tiny', 'config.json')))
  const out = tmpDir()
  dirs.out = out
  const clip = compileClip({ dir: golden('clip_tiny'), outDir: out }) // a model folder: config.json + model.safetensors
  expect(path.basename(clip.vision!.modelPath)).toBe(CLIP_VISION_FILE)
  expect(path.basename(clip.text!.modelPath)).toBe(CLIP_TEXT_FILE)
  const gpt = compileGpt2({ dir: golden('gpt2_tiny'), outDir: out })
  expect(path.basename(gpt.modelPath)).toBe(GPT2_DECODER_FILE)
  vision = (await createSession(clip.vision!.modelPath, { provider: 'cpu', threads: 1 })).session
  decoder = (await createSession(gpt.modelPath, { provider: 'cpu', threads: 1 })).session
  for (const type of ['mlp', 'transformer'] as const) {
    const cfg = parseMappingConfig(readJsonFile(golden('clipcap_mapping', `${type}_config.json`)))
    checkModelsFit(clipCfg, cfg, gpt2Cfg)
    const dir = path.join(out, type)
    const m = compileMapping({ config: cfg, weights: golden('clipcap_mapping', `${type}.safetensors`), outDir: dir }) // explicit config + weights
    expect(path.basename(m.modelPath)).toBe(MAPPING_FILE)
    mappings[type] = (await createSession(m.modelPath, { provider: 'cpu', threads: 1 })).session
  }
})

/** Greedy decoding (argmax; stop token kept; at most entry_length tokens) with the KV cache, batch 1. */
async function greedy(prefix: Float32Array, K: number): Promise<number[]> {
  const { nLayer, nHead, nEmbd } = gpt2Cfg
  const d = nEmbd / nHead
  const feeds: Record<string, ort.Tensor> = {}
  for (let i = 0; i < nLayer; i++) {
    feeds[`past.${i}.key`] = f32Tensor(new Float32Array(0), [1, nHead, 0, d])
    feeds[`past.${i}.value`] = f32Tensor(new Float32Array(0), [1, nHead, 0, d])
  }
  let past = 0
  let prefixIn = prefix
  let T = K
  let ids: number[] = []
  const tokens: number[] = []
  while (tokens.length < captions.entry_length) {
    feeds.prefix_embeds = f32Tensor(prefixIn, [1, prefixIn.length / nEmbd, nEmbd])
    feeds.input_ids = i64Tensor(ids, [1, ids.length])
    feeds.attention_mask = i64Tensor(new Array(past + T).fill(1), [1, past + T])
    feeds.position_ids = i64Tensor(
      Array.from({ length: T }, (_, j) => past + j),
      [1, T],
    )
    feeds.cache_order = i64Tensor([0], [1])
    feeds.top_k = i64Tensor([1], [1])
    const out = await decoder.run(feeds)
    for (let i = 0; i < nLayer; i++) {
      feeds[`past.${i}.key`] = out[`present.${i}.key`]!
      feeds[`past.${i}.value`] = out[`present.${i}.value`]!
    }
    const logits = out.logits!.data as Float32Array
    let best = 0
    for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v
    tokens.push(best)
    if (best === captions.stop_token.id) break
    past += T
    prefixIn = new Float32Array(0)
    ids = [best]
    T = 1
  }
  return tokens
}

describe('compiled models end to end (golden pixels -> tokens)', () => {
  for (const c of captions.cases) {
    it(`${c.id}: image_embeds, prefix and greedy tokens`, async () => {
      const image = c.id.slice(c.variant.length + 1)
      const px = normalizePixels(pixels.get(`${image}.rgb_u8`)!.data as Uint8Array, 224)
      const emb = await vision.run({ pixel_values: f32Tensor(px, [1, 3, 224, 224]) })
      const embeds = emb.image_embeds!.data as Float32Array
      expect(allcloseReport(embeds, emb.image_embeds!.dims, tensor(e2e, `${c.id}.image_embeds`), 1e-4, 1e-4)).toBeNull()
      const out = await mappings[c.variant]!.run({ clip_embedding: f32Tensor(embeds, [1, embeds.length]) })
      const prefix = out.prefix!.data as Float32Array
      expect(allcloseReport(prefix, out.prefix!.dims, tensor(e2e, `${c.id}.prefix_embeds`), 5e-5, 1e-4)).toBeNull()
      // from the golden prefix, tokens must be exact
      const goldenPrefix = tensor(e2e, `${c.id}.prefix_embeds`)
      expect(await greedy(goldenPrefix.data as Float32Array, goldenPrefix.shape[1]!)).toEqual(c.greedy.tokens)
    })
  }

  it('writes big weights to one external data file per model, small graphs stay small', () => {
    const decoderPath = path.join(dirs.out!, GPT2_DECODER_FILE)
    expect(fs.statSync(decoderPath).size).toBeLessThan(200_000)
    expect(fs.statSync(`${decoderPath}.data`).size).toBeGreaterThan(50257 * 32 * 4)
    expect(
      fs
        .readdirSync(dirs.out!)
        .filter((f) => f.endsWith('.data'))
        .sort(),
    ).toEqual([`${CLIP_TEXT_FILE}.data`, `${CLIP_VISION_FILE}.data`, `${GPT2_DECODER_FILE}.data`])
  })

  it('a GPT-2 file missing a tensor fails with the file and tensor named', () => {
    const weights = readSafetensors(golden('gpt2_tiny', 'model.safetensors'))
    weights.delete('transformer.h.1.mlp.c_fc.weight')
    expect(() => compileGpt2({ config: gpt2Cfg, weights, weightsSource: 'broken/model.safetensors', outDir: tmpDir() })).toThrow(
      'broken/model.safetensors: missing GPT-2 tensor h.1.mlp.c_fc.weight',
    )
  })
})
