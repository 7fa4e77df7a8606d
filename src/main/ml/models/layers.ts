// Building blocks shared by the CLIP, mapping and GPT-2 builders.
import type { GraphBuilder, Value } from '../graph/builder.ts'

/** x·Wᵀ (+ b) for an nn.Linear weight stored [out, in]. The Transpose of a constant weight is folded at compile time (graph/optimize.ts). */
export function linearOutIn(g: GraphBuilder, x: Value, w: Value, b?: Value | null): Value {
  return g.linear(x, g.transpose(w, [1, 0]), b ?? null)
}

/** [B,T,H·d] -> [B,H,T,d] (head j = columns j·d … (j+1)·d−1). */
export function splitHeads(g: GraphBuilder, x: Value, heads: number, d: number): Value {
  return g.transpose(g.reshape(x, [0, 0, heads, d]), [0, 2, 1, 3])
}

/** [B,H,T,d] -> [B,T,H·d]. */
export function mergeHeads(g: GraphBuilder, x: Value, heads: number, d: number): Value {
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [0, 0, heads * d])
}

/**
 * softmax((q·scale)·kᵀ + bias)·v over [B,H,Tq,d] × [B,H,Tk,d]; the scale is
 * applied to q (Tq·d values instead of Tq·Tk). `bias` broadcasts to [B,H,Tq,Tk]
 * (0 = attend, a large negative number = masked).
 */
export function attention(g: GraphBuilder, q: Value, k: Value, v: Value, scale: number, bias: Value | null): Value {
  let scores = g.matmul(g.mul(q, g.f32(scale)), g.transpose(k, [0, 1, 3, 2]))
  if (bias) scores = g.add(scores, bias)
  return g.matmul(g.softmax(scores, -1), v)
}

/** Large negative added to masked attention scores (finite, so fully masked rows give a uniform softmax, not NaN). */
export const MASK_NEGATIVE = -1e9

/**
 * Causal (+ optional key padding) additive bias [B|1, 1, T, S] for queries at
 * absolute positions S−T … S−1 over keys 0 … S−1. `keyMask` is int64 [B,S]
 * (1 = attend); `sLen`/`tLen` are int64 scalars.
 */
export function causalBias(g: GraphBuilder, tLen: Value, sLen: Value, keyMask: Value | null): Value {
  const zero = g.i64(0)
  const one = g.i64(1)
  const past = g.sub(sLen, tLen)
  const keyPos = g.range(zero, sLen, one, keyMask?.shape[1] ?? 'S')
  const queryPos = g.range(past, sLen, one, 'T')
  // allowed[t, s] = s <= past + t
  const allowed = g.cast(g.lessOrEqual(g.unsqueeze(keyPos, [0]), g.unsqueeze(queryPos, [1])), 'float32') // [T,S]
  let allowedAll = g.unsqueeze(allowed, [0, 1]) // [1,1,T,S]
  if (keyMask) allowedAll = g.mul(allowedAll, g.unsqueeze(g.cast(keyMask, 'float32'), [1, 2])) // [B,1,T,S]
  return g.mul(g.sub(allowedAll, g.f32(1)), g.f32(-MASK_NEGATIVE))
}
