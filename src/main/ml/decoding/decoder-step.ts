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

import { argmaxRow, logSoftmaxAt, rowLogSumExp, topKRow } from './log-prob.ts'

/** An opaque handle to a model's per-row past keys/values. */
export type DecoderCache = unknown

/**
 * What a run must return about each row's next token: the full logits, or
 * only what the decoder needs (see [Note: decoding inside the graph] in
 * models/gpt2.ts). A model may always return full logits instead; the
 * helpers below accept either.
 */
export type StepHead = 'logits' | 'argmax' | { topK: number }

/** Per row: the k largest logits (best first, ties lower index first), their ids, and the row's max and sum(exp(x − max)). */
export interface TopKSummary {
  k: number
  values: Float32Array
  ids: Int32Array
  rowMax: Float32Array
  rowSumExp: Float32Array
}

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
  /** What to return about the next token (default 'logits'). */
  head?: StepHead
}

export interface DecoderRunOutput {
  /** [batch, vocabSize]: logits of each row's last position (absent when the model summarised them). */
  logits?: Float32Array
  /** head 'argmax': each row's arg-max token. */
  nextTokens?: Int32Array
  /** head { topK }: each row's best tokens. */
  topK?: TopKSummary
  cache: DecoderCache
}

/** Row `r`'s greedy token (arg-max; the first index on ties). */
export function greedyToken(out: DecoderRunOutput, r: number, vocab: number): number {
  if (out.nextTokens) return out.nextTokens[r]!
  if (!out.logits) throw new Error('decoder returned neither next tokens nor logits')
  return argmaxRow(out.logits, r, vocab)
}

/** Row `r`'s `k` best tokens, best first, with their log-probs log(softmax(x)) in float64. */
export function rowTopLogProbs(out: DecoderRunOutput, r: number, vocab: number, k: number): { tokens: number[]; logProbs: number[] } {
  const s = out.topK
  if (s && s.k >= k) {
    const tokens: number[] = []
    const logProbs: number[] = []
    const max = s.rowMax[r]!
    const sum = s.rowSumExp[r]!
    for (let j = 0; j < k; j++) {
      tokens.push(s.ids[r * s.k + j]!)
      logProbs.push(Math.log(Math.exp(s.values[r * s.k + j]! - max) / sum))
    }
    return { tokens, logProbs }
  }
  if (!out.logits) throw new Error(`decoder returned neither the top ${k} tokens nor logits`)
  const lse = rowLogSumExp(out.logits, r, vocab)
  const tokens = topKRow(out.logits, r, vocab, k)
  return { tokens, logProbs: tokens.map((t) => logSoftmaxAt(out.logits!, r, vocab, t, lse)) }
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
  head?: StepHead
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
    ...(args.head ? { head: args.head } : {}),
  }
}
