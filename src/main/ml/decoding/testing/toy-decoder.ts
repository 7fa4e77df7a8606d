// A tiny deterministic language model in plain TypeScript, used ONLY to test the
// decoding algorithms (it does not stand in for GPT-2 in any GPT-2 test). Its
// last-position logits depend on the whole sequence (a position-weighted sum of
// every embedding), so a wrong KV-cache reorder or a dropped row changes outputs.
// It also checks the DecoderStep input contract (all-ones mask, positions,
// shapes) so the decoders cannot silently feed it something else.
import type { DecoderCache, DecoderRunInput, DecoderRunOutput, DecoderStep } from '../decoder-step.ts'
import { mulberry32 } from '../../random.ts'

type Rows = Float32Array[][] // per row, the sequence of embeddings

export class ToyDecoder implements DecoderStep {
  readonly vocabSize: number
  readonly embedDim: number
  readonly wte: Float32Array
  readonly head: Float32Array
  /** Counts of model calls and of rows run, for tests on batching. */
  calls = 0
  rowsRun = 0

  constructor(seed: number, vocabSize = 24, embedDim = 6, scale = 3) {
    this.vocabSize = vocabSize
    this.embedDim = embedDim
    const rnd = mulberry32(seed)
    this.wte = Float32Array.from({ length: vocabSize * embedDim }, () => (rnd() * 2 - 1) * 1.5)
    this.head = Float32Array.from({ length: vocabSize * embedDim }, () => (rnd() * 2 - 1) * scale)
  }

  /** Last-position logits of one full sequence (the "full recompute" path). */
  logitsOf(seq: Float32Array[]): Float32Array {
    const e = this.embedDim
    const h = new Float32Array(e)
    seq.forEach((x, t) => {
      const w = 1 / (1 + t) + (t === seq.length - 1 ? 1 : 0)
      for (let i = 0; i < e; i++) h[i]! += w * x[i]!
    })
    for (let i = 0; i < e; i++) h[i] = Math.tanh(h[i]!)
    const out = new Float32Array(this.vocabSize)
    for (let v = 0; v < this.vocabSize; v++) {
      let s = 0
      for (let i = 0; i < e; i++) s += this.head[v * e + i]! * h[i]!
      out[v] = s
    }
    return out
  }

  embed(token: number): Float32Array {
    return this.wte.slice(token * this.embedDim, (token + 1) * this.embedDim)
  }

  async run(input: DecoderRunInput): Promise<DecoderRunOutput> {
    this.calls++
    this.rowsRun += input.batch
    const e = this.embedDim
    const past = (input.cache as Rows | null) ?? []
    const pastLen = past[0]?.length ?? 0
    if (input.cache !== null && input.cacheOrder.length !== input.batch) throw new Error('toy: cacheOrder length != batch')
    if (input.pastLength !== pastLen && input.cache !== null) throw new Error(`toy: pastLength ${input.pastLength} != cache length ${pastLen}`)
    const t = input.prefixLength + input.tokenLength
    if (input.attentionMask.length !== input.batch * (input.pastLength + t) || input.attentionMask.some((m) => m !== 1n))
      throw new Error('toy: bad attention mask')
    if (input.positionIds.length !== input.batch * t) throw new Error('toy: bad position ids')
    for (let r = 0; r < input.batch; r++)
      for (let j = 0; j < t; j++) if (input.positionIds[r * t + j] !== BigInt(input.pastLength + j)) throw new Error('toy: bad position id')
    const rows: Rows = []
    const logits = new Float32Array(input.batch * this.vocabSize)
    for (let r = 0; r < input.batch; r++) {
      const src = input.cache === null ? [] : past[Number(input.cacheOrder[r])]
      if (!src) throw new Error(`toy: cacheOrder row ${input.cacheOrder[r]} out of range`)
      const seq = [...src]
      for (let j = 0; j < input.prefixLength; j++) {
        const off = (r * input.prefixLength + j) * e
        seq.push(input.prefixEmbeds.slice(off, off + e))
      }
      for (let j = 0; j < input.tokenLength; j++) seq.push(this.embed(input.inputIds[r * input.tokenLength + j]!))
      rows.push(seq)
      logits.set(this.logitsOf(seq), r * this.vocabSize)
    }
    return { logits, cache: rows as DecoderCache }
  }
}

// ---- Literal transcriptions of the paper's predict.py, full recompute, one photo ----

export function referenceGenerate2(model: ToyDecoder, prefix: Float32Array[], stop: number, maxTokens: number): number[] {
  const seq = [...prefix]
  const tokens: number[] = []
  for (let i = 0; i < maxTokens; i++) {
    const l = model.logitsOf(seq)
    let t = 0
    for (let v = 1; v < l.length; v++) if (l[v]! > l[t]!) t = v
    tokens.push(t)
    seq.push(model.embed(t))
    if (t === stop) break
  }
  return tokens
}

export function referenceGenerateBeam(
  model: ToyDecoder,
  prefix: Float32Array[],
  beamSize: number,
  stop: number,
  maxTokens: number,
): { tokens: number[]; length: number; score: number }[] {
  const V = model.vocabSize
  const logSoftmax = (l: Float32Array): number[] => {
    let m = -Infinity
    for (const x of l) m = Math.max(m, x)
    let s = 0
    for (const x of l) s += Math.exp(x - m)
    return Array.from(l, (x) => Math.log(Math.exp(x - m) / s))
  }
  let seqs: Float32Array[][] = []
  let tokens: number[][] = []
  let scores: number[] = []
  let lengths = new Array<number>(beamSize).fill(1)
  let stopped = new Array<boolean>(beamSize).fill(false)
  for (let i = 0; i < maxTokens; i++) {
    if (i === 0) {
      const lp = logSoftmax(model.logitsOf(prefix))
      const order = lp
        .map((x, v) => [x, v] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, beamSize)
      scores = order.map((o) => o[0])
      tokens = order.map((o) => [o[1]])
      seqs = order.map(() => [...prefix])
    } else {
      const flat: [number, number][] = []
      const newLen = lengths.map((l, b) => (stopped[b] ? l : l + 1))
      for (let b = 0; b < beamSize; b++) {
        let lp = logSoftmax(model.logitsOf(seqs[b]!))
        if (stopped[b]) lp = lp.map((_, v) => (v === 0 ? 0 : -Infinity))
        for (let v = 0; v < V; v++) flat.push([(scores[b]! + lp[v]!) / newLen[b]!, b * V + v])
      }
      flat.sort((a, b) => b[0] - a[0] || a[1] - b[1])
      const pick = flat.slice(0, beamSize)
      const src = pick.map((p) => Math.floor(p[1] / V))
      const tok = pick.map((p) => p[1] % V)
      lengths = src.map((s) => newLen[s]!)
      tokens = src.map((s, j) => [...tokens[s]!, tok[j]!])
      seqs = src.map((s) => [...seqs[s]!])
      scores = pick.map((p, j) => p[0] * lengths[j]!)
      stopped = src.map((s) => stopped[s]!)
    }
    const last = tokens.map((t) => t[t.length - 1]!)
    seqs.forEach((s, b) => s.push(model.embed(last[b]!)))
    stopped = stopped.map((s, b) => s || last[b] === stop)
    if (stopped.every(Boolean)) break
  }
  const final = tokens.map((t, b) => ({ tokens: t.slice(0, lengths[b]!), length: lengths[b]!, score: scores[b]! / lengths[b]! }))
  return [...final.keys()].sort((a, b) => final[b]!.score - final[a]!.score || a - b).map((i) => final[i]!)
}

// Re-exported for the modules that took it from here.
export { mulberry32 }
