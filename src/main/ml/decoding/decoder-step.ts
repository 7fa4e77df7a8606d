// The one thing decoding needs from a language model: run a batch of rows one
// step further and return the logits of each row's LAST position plus an opaque
// KV cache. The GPT-2 ONNX session satisfies it (pipeline/gpt2-decoder-step.ts);
// the algorithm tests use a tiny pure-TS toy model.
//
// [Note: batched decoding over one KV cache]
// Every row of a decoding batch has the same length: all photos share the pack's
// prefix length K, every step appends exactly one token to every row, and a row
// that is finished is DROPPED from the next batch (via `cacheOrder`) instead of
// being padded. So the attention mask is all ones and positions are K + step for
// every row; no padding ever enters the cache. Beam search uses the same
// `cacheOrder` to reorder hypotheses (row = photo·beam + beam).

/** An opaque handle to a model's per-row past keys/values. */
export type DecoderCache = unknown

export interface DecoderRunInput {
  /** Number of rows after reordering (= cacheOrder.length when a cache is given). */
  batch: number
  /** Prefill: prefix embeddings [batch, prefixLength, embedDim] row-major. Decode steps: empty. */
  prefixEmbeds: Float32Array
  prefixLength: number
  /** Decode steps: token ids [batch, tokenLength] row-major. Prefill: empty. */
  inputIds: Int32Array
  tokenLength: number
  /** Length of the cached sequence (0 at prefill). */
  pastLength: number
  /** [batch, pastLength + prefixLength + tokenLength], 1 = attend. */
  attentionMask: BigInt64Array
  /** [batch, prefixLength + tokenLength]. */
  positionIds: BigInt64Array
  /** [batch]: row r of this step continues row cacheOrder[r] of the cache. */
  cacheOrder: BigInt64Array
  /** The cache returned by the previous run, or null at prefill. */
  cache: DecoderCache | null
}

export interface DecoderRunOutput {
  /** [batch, vocabSize]: logits of each row's last position. */
  logits: Float32Array
  cache: DecoderCache
}

export interface DecoderStep {
  readonly vocabSize: number
  readonly embedDim: number
  run(input: DecoderRunInput): Promise<DecoderRunOutput>
}

/** The inputs of one step for a batch whose rows all have the same length (see the Note). */
export function stepInput(args: {
  batch: number
  pastLength: number
  prefixEmbeds?: Float32Array
  prefixLength?: number
  inputIds?: Int32Array
  cacheOrder: number[]
  cache: DecoderCache | null
}): DecoderRunInput {
  const prefixLength = args.prefixLength ?? 0
  const inputIds = args.inputIds ?? new Int32Array(0)
  const tokenLength = args.batch === 0 ? 0 : inputIds.length / args.batch
  const t = prefixLength + tokenLength
  const total = args.pastLength + t
  const attentionMask = new BigInt64Array(args.batch * total).fill(1n)
  const positionIds = new BigInt64Array(args.batch * t)
  for (let b = 0; b < args.batch; b++) {
    for (let j = 0; j < t; j++) positionIds[b * t + j] = BigInt(args.pastLength + j)
  }
  return {
    batch: args.batch,
    prefixEmbeds: args.prefixEmbeds ?? new Float32Array(0),
    prefixLength,
    inputIds,
    tokenLength,
    pastLength: args.pastLength,
    attentionMask,
    positionIds,
    cacheOrder: BigInt64Array.from(args.cacheOrder, (i) => BigInt(i)),
    cache: args.cache,
  }
}
