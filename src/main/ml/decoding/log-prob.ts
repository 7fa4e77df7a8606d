// Row-wise helpers over a [rows, V] float32 logits block. Pure.

/** Index of the largest value in row `row` (the first one on ties, like torch.argmax). */
export function argmaxRow(logits: Float32Array, row: number, vocab: number): number {
  const base = row * vocab
  let best = 0
  let bestValue = logits[base]!
  for (let v = 1; v < vocab; v++) {
    const x = logits[base + v]!
    if (x > bestValue) {
      bestValue = x
      best = v
    }
  }
  return best
}

/** Largest value and log(sum(exp(x - max))) of a row, accumulated in float64. */
export function rowLogSumExp(logits: Float32Array, row: number, vocab: number): { max: number; sum: number } {
  const base = row * vocab
  let max = -Infinity
  for (let v = 0; v < vocab; v++) {
    const x = logits[base + v]!
    if (x > max) max = x
  }
  let sum = 0
  for (let v = 0; v < vocab; v++) sum += Math.exp(logits[base + v]! - max)
  return { max, sum }
}

/**
 * log(softmax(x))[v] the way the paper computes it (`logits.softmax(-1).log()`),
 * in float64: log(exp(x_v - max) / sum).
 */
export function logSoftmaxAt(logits: Float32Array, row: number, vocab: number, v: number, lse: { max: number; sum: number }): number {
  return Math.log(Math.exp(logits[row * vocab + v]! - lse.max) / lse.sum)
}

/**
 * The k largest entries of a row, best first; on ties the lower index first.
 * Returns indices. O(V·k) with a tiny insertion list, fine for k ≤ ~16.
 */
export function topKRow(logits: Float32Array, row: number, vocab: number, k: number): number[] {
  const base = row * vocab
  const idx: number[] = []
  const val: number[] = []
  for (let v = 0; v < vocab; v++) {
    const x = logits[base + v]!
    if (idx.length === k && x <= val[k - 1]!) continue
    let pos = idx.length < k ? idx.length : k - 1
    if (idx.length < k) {
      idx.push(v)
      val.push(x)
    }
    while (pos > 0 && val[pos - 1]! < x) {
      idx[pos] = idx[pos - 1]!
      val[pos] = val[pos - 1]!
      pos--
    }
    idx[pos] = v
    val[pos] = x
  }
  return idx
}
