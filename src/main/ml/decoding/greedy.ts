// Greedy decoding = the paper's `generate2`, batched across photos
// with the KV cache (see [Note: batched decoding over one KV cache] in
// decoder-step.ts).
//
// generate2 computes a top-p 0.8 filter, but that filter never removes the
// arg-max token, so the choice is plain arg-max of the last logits (temperature 1).
// The stop token is kept in the output; at most `maxTokens` tokens. The paper's
// code crashes when the very first token is the stop token; here that is simply
// the one-token caption "." .
import { greedyToken, stepInput, type DecoderStep } from './decoder-step.ts'
import { throwIfAborted, type GenerationConfig, paperGeneration } from './generation-config.ts'

export interface GreedyResult {
  /** Generated ids, the stop token included when it was produced. */
  tokens: number[]
  /** True when the stop token ended the caption, false when the length cap did. */
  stopped: boolean
}

/**
 * Greedy captions for `batch` photos whose prefixes are stacked in `prefix`
 * ([batch, prefixLength, E]).
 */
export async function generateGreedy(
  decoder: DecoderStep,
  prefix: Float32Array,
  batch: number,
  prefixLength: number,
  config: Pick<GenerationConfig, 'stopTokenId' | 'maxTokens'> = paperGeneration,
  signal?: AbortSignal,
): Promise<GreedyResult[]> {
  const results: GreedyResult[] = Array.from({ length: batch }, () => ({ tokens: [], stopped: false }))
  if (batch === 0) return results
  const vocab = decoder.vocabSize
  throwIfAborted(signal)
  let out = await decoder.run(stepInput({ batch, pastLength: 0, prefixEmbeds: prefix, prefixLength, cacheOrder: range(batch), cache: null, head: 'argmax' }))
  // alive[r] = photo index of cache row r
  let alive = range(batch)
  let past = prefixLength
  for (let step = 0; ; step++) {
    const nextAlive: number[] = []
    const cacheOrder: number[] = []
    const ids: number[] = []
    for (let r = 0; r < alive.length; r++) {
      const photo = alive[r]!
      const token = greedyToken(out, r, vocab)
      const res = results[photo]!
      res.tokens.push(token)
      if (token === config.stopTokenId) {
        res.stopped = true
      } else if (res.tokens.length < config.maxTokens) {
        nextAlive.push(photo)
        cacheOrder.push(r)
        ids.push(token)
      }
    }
    if (nextAlive.length === 0) break
    throwIfAborted(signal)
    out = await decoder.run(
      stepInput({ batch: nextAlive.length, pastLength: past, inputIds: Int32Array.from(ids), cacheOrder, cache: out.cache, head: 'argmax' }),
    )
    past += 1
    alive = nextAlive
  }
  return results
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}
