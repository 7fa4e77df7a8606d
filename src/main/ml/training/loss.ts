// The paper's caption loss (train.py): cross-entropy of logits[:, P−1:−1]
// against the caption tokens with ignore_index 0, averaged over the non-zero
// targets. Position P−1+j (the last prefix vector for j = 0) predicts caption
// token j; the final position is unused; there is no EOS target.
//
// As graph ops: LogSoftmax over the vocabulary (ORT subtracts the row maximum,
// so the log-sum-exp is stable), the target log-probability picked with a Gather
// on the flattened [B·L·V] tensor (no one-hot tensor), weighted by the host's
// per-token weights (token ≠ 0)/N.
import type { GraphBuilder, Value } from '../graph/builder.ts'

export interface CaptionLossInputs {
  /** float32 [B, P+L, V], or already the L loss rows [B, L, V] (positions P−1 … P+L−2). */
  logits: Value
  /** int64 [B, L]: flat indices ((b·L + j)·V + token) into the sliced logits. */
  targetIndex: Value
  /** float32 [B, L]: (token ≠ 0)/N. */
  lossWeight: Value
  prefixLength: number
}

export function buildCaptionLoss(b: GraphBuilder, inp: CaptionLossInputs): { loss: Value; targetLogProb: Value } {
  const P = inp.prefixLength
  // Logits of exactly the L loss rows need no slice.
  const z = inp.logits.shape[1] === inp.targetIndex.shape[1] ? inp.logits : b.slice(inp.logits, [P - 1], [-1], [1]) // [B, L, V]
  const logp = b.logSoftmax(z, -1)
  const picked = b.gather(b.reshape(logp, [-1]), inp.targetIndex, 0) // [B, L]
  const loss = b.neg(b.reduceSum(b.mul(picked, inp.lossWeight), [0, 1], false))
  return { loss, targetLogProb: picked }
}

/** The flat target indices for buildCaptionLoss. */
export function targetIndices(tokens: BigInt64Array, B: number, L: number, V: number): BigInt64Array {
  const out = new BigInt64Array(B * L)
  for (let i = 0; i < B * L; i++) out[i] = BigInt(i) * BigInt(V) + tokens[i]!
  return out
}

/**
 * Reference in TypeScript (float64 accumulation, max-subtracted log-sum-exp):
 * logits float32 [B, T, V], tokens [B, L] with T = P + L.
 */
export function captionLossHost(logits: Float32Array, B: number, T: number, V: number, tokens: ArrayLike<number | bigint>, P: number): number {
  const L = T - P
  let sum = 0
  let n = 0
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < L; j++) {
      const tok = Number(tokens[r * L + j]!)
      if (tok === 0) continue
      const off = (r * T + P - 1 + j) * V
      let max = -Infinity
      for (let v = 0; v < V; v++) max = Math.max(max, logits[off + v]!)
      let s = 0
      for (let v = 0; v < V; v++) s += Math.exp(logits[off + v]! - max)
      sum += max + Math.log(s) - logits[off + tok]!
      n++
    }
  }
  if (n === 0) throw new Error('captionLossHost: no non-zero targets')
  return sum / n
}
