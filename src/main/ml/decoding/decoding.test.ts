import { describe, expect, it } from 'vitest'
import { generateGreedy } from './greedy.ts'
import { generateBeam } from './beam.ts'
import { topKRow } from './log-prob.ts'
import { mulberry32, referenceGenerate2, referenceGenerateBeam, ToyDecoder } from './testing/toy-decoder.ts'
import type { DecoderRunInput, DecoderRunOutput, DecoderStep } from './decoder-step.ts'

const K = 3

function prefixes(seed: number, n: number, e: number): { flat: Float32Array; rows: Float32Array[][] } {
  const rnd = mulberry32(seed)
  const flat = Float32Array.from({ length: n * K * e }, () => (rnd() * 2 - 1) * 2)
  const rows = Array.from({ length: n }, (_, p) => Array.from({ length: K }, (_, j) => flat.slice((p * K + j) * e, (p * K + j + 1) * e)))
  return { flat, rows }
}

describe('topKRow', () => {
  it('returns the k largest, ties by lower index', () => {
    const row = Float32Array.from([1, 5, 3, 5, 2, 9, 0])
    expect(topKRow(row, 0, 7, 3)).toEqual([5, 1, 3])
    expect(topKRow(row, 0, 7, 1)).toEqual([5])
    expect(topKRow(row, 0, 7, 7)).toEqual([5, 1, 3, 2, 4, 0, 6])
  })
})

describe('greedy (generate2)', () => {
  it('matches a literal full-recompute transcription, batched equal to one by one', async () => {
    let stoppedSeen = 0
    let cappedSeen = 0
    for (let seed = 1; seed <= 12; seed++) {
      const model = new ToyDecoder(seed)
      const n = 7
      const { flat, rows } = prefixes(seed + 100, n, model.embedDim)
      const batched = await generateGreedy(model, flat, n, K, { stopTokenId: 13, maxTokens: 20 })
      for (let p = 0; p < n; p++) {
        const expected = referenceGenerate2(model, rows[p]!, 13, 20)
        expect(batched[p]!.tokens).toEqual(expected)
        expect(batched[p]!.stopped).toBe(expected[expected.length - 1] === 13)
        const single = await generateGreedy(model, flat.slice(p * K * model.embedDim, (p + 1) * K * model.embedDim), 1, K, { stopTokenId: 13, maxTokens: 20 })
        expect(single[0]!.tokens).toEqual(expected)
        if (batched[p]!.stopped) stoppedSeen++
        else cappedSeen++
      }
    }
    // The toy must exercise both endings, or the test proves little.
    expect(stoppedSeen).toBeGreaterThan(5)
    expect(cappedSeen).toBeGreaterThan(5)
  })

  it('drops finished rows from the batch (fewer rows run than batch × steps)', async () => {
    const model = new ToyDecoder(3)
    const { flat } = prefixes(7, 8, model.embedDim)
    const res = await generateGreedy(model, flat, 8, K, { stopTokenId: 13, maxTokens: 30 })
    const tokensProduced = res.reduce((s, r) => s + r.tokens.length, 0)
    // prefill runs 8 rows; then one row per token that was fed back.
    expect(model.rowsRun).toBe(8 + tokensProduced - 8)
  })

  it('a first-token stop returns just the stop token', async () => {
    const model = new ToyDecoder(5)
    model.head.fill(0)
    for (let i = 0; i < model.embedDim; i++) model.head[13 * model.embedDim + i] = 1e-3 // 13 wins everywhere (tanh >= -1 .. ties broken by sign)
    const always13: DecoderStep = {
      vocabSize: model.vocabSize,
      embedDim: model.embedDim,
      async run(input: DecoderRunInput): Promise<DecoderRunOutput> {
        const out = await model.run(input)
        for (let r = 0; r < input.batch; r++) out.logits![r * model.vocabSize + 13] = 100
        return out
      },
    }
    const { flat } = prefixes(1, 2, model.embedDim)
    const res = await generateGreedy(always13, flat, 2, K)
    expect(res).toEqual([
      { tokens: [13], stopped: true },
      { tokens: [13], stopped: true },
    ])
  })

  it('respects the length cap and cancellation', async () => {
    const model = new ToyDecoder(2)
    const { flat } = prefixes(3, 2, model.embedDim)
    const res = await generateGreedy(model, flat, 2, K, { stopTokenId: -1, maxTokens: 5 })
    expect(res.map((r) => r.tokens.length)).toEqual([5, 5])
    const ac = new AbortController()
    ac.abort()
    await expect(generateGreedy(model, flat, 2, K, undefined, ac.signal)).rejects.toThrow(/cancelled/)
  })
})

describe('beam search (generate_beam)', () => {
  it('matches a literal full-recompute transcription (tokens, lengths, order, scores); batched equals one by one', async () => {
    let stoppedBeams = 0
    let mixed = 0
    for (let seed = 1; seed <= 10; seed++) {
      const model = new ToyDecoder(seed, 24, 6, 2)
      const n = 5
      const { flat, rows } = prefixes(seed + 200, n, model.embedDim)
      const cfg = { stopTokenId: 13, maxTokens: 16, beamSize: 5 }
      const batched = await generateBeam(model, flat, n, K, cfg)
      for (let p = 0; p < n; p++) {
        const expected = referenceGenerateBeam(model, rows[p]!, 5, 13, 16)
        const got = batched[p]!.beams
        expect(got.map((b) => b.tokens)).toEqual(expected.map((b) => b.tokens))
        expect(got.map((b) => b.length)).toEqual(expected.map((b) => b.length))
        got.forEach((b, i) => expect(b.score).toBeCloseTo(expected[i]!.score, 12))
        const single = await generateBeam(model, flat.slice(p * K * 6, (p + 1) * K * 6), 1, K, cfg)
        expect(single[0]!.beams).toEqual(got)
        const s = got.filter((b) => b.stopped).length
        stoppedBeams += s
        if (s > 0 && s < 5) mixed++
      }
    }
    expect(stoppedBeams).toBeGreaterThan(10)
    expect(mixed).toBeGreaterThan(3)
  })

  it('stopped beams are not run again (fewer rows than photos × beams × steps)', async () => {
    const model = new ToyDecoder(4, 24, 6, 2)
    const { flat, rows } = prefixes(77, 6, 6)
    const cfg = { stopTokenId: 13, maxTokens: 16, beamSize: 5 }
    const res = await generateBeam(model, flat, 6, K, cfg)
    let upperBound = 6 // prefill rows
    let stoppedBeforeEnd = 0
    res.forEach((r, p) => {
      expect(r.beams.map((b) => b.tokens)).toEqual(referenceGenerateBeam(model, rows[p]!, 5, 13, 16).map((b) => b.tokens))
      const steps = Math.max(...r.beams.map((b) => b.tokens.length)) - 1
      upperBound += steps * 5
      stoppedBeforeEnd += r.beams.filter((b) => b.stopped).length
    })
    expect(stoppedBeforeEnd).toBeGreaterThan(0)
    expect(model.rowsRun).toBeLessThan(upperBound)
  })

  it('other beam sizes agree with the transcription too', async () => {
    for (const beamSize of [1, 2, 3]) {
      const model = new ToyDecoder(42, 30, 5, 2)
      const { flat, rows } = prefixes(9, 3, 5)
      const res = await generateBeam(model, flat, 3, K, { stopTokenId: 13, maxTokens: 12, beamSize })
      for (let p = 0; p < 3; p++) {
        expect(res[p]!.beams.map((b) => b.tokens)).toEqual(referenceGenerateBeam(model, rows[p]!, beamSize, 13, 12).map((b) => b.tokens))
      }
    }
  })

  it('rejects an impossible beam size', async () => {
    const model = new ToyDecoder(1)
    const { flat } = prefixes(1, 1, model.embedDim)
    await expect(generateBeam(model, flat, 1, K, { stopTokenId: 13, maxTokens: 5, beamSize: 0 })).rejects.toThrow(/beam size/)
    await expect(generateBeam(model, flat, 1, K, { stopTokenId: 13, maxTokens: 5, beamSize: 99 })).rejects.toThrow(/vocabulary/)
  })
})
