// Top-k selection without sorting everything: a bounded min-heap over the scores
// (O(n log k)), then a sort of the k survivors. Ties break towards the lower row
// so results are deterministic.

export interface TopK {
  rows: Int32Array
  scores: Float32Array
}

export function topK(scores: Float32Array, n: number, k: number, accept?: Uint8Array | null): TopK {
  const size = Math.max(0, Math.min(k, n))
  const heapRows = new Int32Array(size)
  const heapScores = new Float32Array(size)
  let count = 0
  // "a is worse than b": lower score, or equal score and a higher row
  const worse = (sa: number, ra: number, sb: number, rb: number) => sa < sb || (sa === sb && ra > rb)
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let w = i
      if (l < count && worse(heapScores[l]!, heapRows[l]!, heapScores[w]!, heapRows[w]!)) w = l
      if (r < count && worse(heapScores[r]!, heapRows[r]!, heapScores[w]!, heapRows[w]!)) w = r
      if (w === i) return
      const ts = heapScores[i]!
      heapScores[i] = heapScores[w]!
      heapScores[w] = ts
      const tr = heapRows[i]!
      heapRows[i] = heapRows[w]!
      heapRows[w] = tr
      i = w
    }
  }
  if (size > 0) {
    for (let row = 0; row < n; row++) {
      if (accept && accept[row] === 0) continue
      const s = scores[row]!
      if (Number.isNaN(s)) continue
      if (count < size) {
        let i = count++
        heapScores[i] = s
        heapRows[i] = row
        while (i > 0) {
          const p = (i - 1) >> 1
          if (!worse(heapScores[i]!, heapRows[i]!, heapScores[p]!, heapRows[p]!)) break
          const ts = heapScores[i]!
          heapScores[i] = heapScores[p]!
          heapScores[p] = ts
          const tr = heapRows[i]!
          heapRows[i] = heapRows[p]!
          heapRows[p] = tr
          i = p
        }
      } else if (worse(heapScores[0]!, heapRows[0]!, s, row)) {
        heapScores[0] = s
        heapRows[0] = row
        siftDown(0)
      }
    }
  }
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => heapScores[b]! - heapScores[a]! || heapRows[a]! - heapRows[b]!)
  return { rows: Int32Array.from(order, (i) => heapRows[i]!), scores: Float32Array.from(order, (i) => heapScores[i]!) }
}
