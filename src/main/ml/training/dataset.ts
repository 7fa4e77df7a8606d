// The training set pipeline of the paper's ClipCocoDataset (train.py),
// as pure functions: token lengths → max_seq_len, right padding with 0,
// masks, per-item L2 normalisation, and the batch order (drop_last; shuffled
// per epoch with a seed, or the file's order with --no-shuffle).
//
// [Note: ignore_index 0] Pads are id 0, which is also GPT-2's "!" token. As in
// the paper a genuine "!" stays in the input but never counts in the loss; the
// per-batch loss weights below divide by the number of non-zero targets only.
import { mulberry32 } from '../random.ts'

export interface TrainItem {
  /** CLIP embedding (raw, as stored). */
  embedding: Float32Array
  /** GPT-2 BPE ids of the caption (no BOS/EOS). */
  tokens: number[]
}

/** train.py: max_seq_len = min(int(mean + 10·std), max) over the caption lengths (unbiased std). */
export function maxSeqLen(lengths: readonly number[]): number {
  if (lengths.length === 0) throw new Error('maxSeqLen: no captions')
  const max = Math.max(...lengths)
  if (lengths.length < 2) return max
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length
  const variance = lengths.reduce((a, b) => a + (b - mean) ** 2, 0) / (lengths.length - 1)
  return Math.min(Math.trunc(mean + 10 * Math.sqrt(variance)), max)
}

/** x / ‖x‖₂ in float32 per item, no epsilon (train.py --normalize_prefix). */
export function l2NormalizeF32(x: Float32Array): Float32Array {
  let s = 0
  for (const v of x) s += v * v
  const norm = Math.fround(Math.sqrt(s))
  if (norm === 0) throw new Error('cannot L2-normalise an all-zero embedding')
  return Float32Array.from(x, (v) => v / norm)
}

export { mulberry32 }

export interface BatchOrderOptions {
  shuffle: boolean
  seed: number
  epoch: number
}

/** The item indices of each batch of one epoch (drop_last: a final short batch is dropped). */
export function batchOrder(n: number, batchSize: number, opts: BatchOrderOptions): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`)
  const idx = Array.from({ length: n }, (_, i) => i)
  if (opts.shuffle) {
    const rnd = mulberry32((opts.seed * 1000003 + opts.epoch * 7919) >>> 0)
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1))
      ;[idx[i], idx[j]] = [idx[j]!, idx[i]!]
    }
  }
  const batches: number[][] = []
  for (let s = 0; s + batchSize <= n; s += batchSize) batches.push(idx.slice(s, s + batchSize))
  return batches
}

export interface Batch {
  size: number
  /** Padded caption length L. */
  length: number
  /** float32 [B, clipDim]: what the mapper receives (normalised iff requested). */
  clip: Float32Array
  clipDim: number
  /** int64 [B, L], right-padded with 0. */
  tokens: BigInt64Array
  /** int64 [B, P+L]: 1 for the prefix and caption tokens, 0 for pads. */
  attentionMask: BigInt64Array
  /** float32 [B, L]: (token ≠ 0) / N, N = number of non-zero targets of the batch. */
  lossWeight: Float32Array
  /** N. */
  targets: number
}

export interface MakeBatchOptions {
  prefixLength: number
  maxLen: number
  normalize: boolean
}

export function makeBatch(items: readonly TrainItem[], indices: readonly number[], opts: MakeBatchOptions): Batch {
  const B = indices.length
  const L = opts.maxLen
  const P = opts.prefixLength
  const first = items[indices[0]!]
  if (!first) throw new Error('makeBatch: empty batch')
  const D = first.embedding.length
  const clip = new Float32Array(B * D)
  const tokens = new BigInt64Array(B * L)
  const attentionMask = new BigInt64Array(B * (P + L))
  const lossWeight = new Float32Array(B * L)
  let targets = 0
  indices.forEach((ix, r) => {
    const item = items[ix]
    if (!item) throw new Error(`makeBatch: no item ${ix}`)
    if (item.embedding.length !== D) throw new Error(`makeBatch: item ${ix} has a ${item.embedding.length}-d embedding, expected ${D}`)
    clip.set(opts.normalize ? l2NormalizeF32(item.embedding) : item.embedding, r * D)
    const toks = item.tokens.slice(0, L)
    for (let p = 0; p < P; p++) attentionMask[r * (P + L) + p] = 1n
    toks.forEach((t, j) => {
      tokens[r * L + j] = BigInt(t)
      attentionMask[r * (P + L) + P + j] = 1n
      if (t !== 0) targets++
    })
  })
  if (targets === 0) throw new Error(`batch [${indices.join(', ')}] has no caption tokens to learn from`)
  for (let i = 0; i < B * L; i++) lossWeight[i] = tokens[i] !== 0n ? 1 / targets : 0
  return { size: B, length: L, clip, clipDim: D, tokens, attentionMask, lossWeight, targets }
}
