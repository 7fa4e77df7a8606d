// Caption quality against the user's held-out captions: corpus BLEU-4
// (Papineni et al., uniform weights, brevity penalty, one reference per photo)
// and CIDEr-D (Vedantam et al. as in coco-caption: TF-IDF n-grams 1–4 with IDF
// from the references, clipped candidate counts, Gaussian length penalty σ = 6,
// ×10). Pure functions; tokenisation lower-cases and keeps words and digits.

export function evalTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? []
}

function ngrams(tokens: string[], n: number): Map<string, number> {
  const out = new Map<string, number>()
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join(' ')
    out.set(g, (out.get(g) ?? 0) + 1)
  }
  return out
}

/** Corpus BLEU-4 in [0, 1]. */
export function bleu4(candidates: string[], references: string[]): number {
  if (candidates.length !== references.length) throw new Error(`bleu4: ${candidates.length} candidates for ${references.length} references`)
  const match = [0, 0, 0, 0]
  const total = [0, 0, 0, 0]
  let candLen = 0
  let refLen = 0
  candidates.forEach((c, i) => {
    const ct = evalTokens(c)
    const rt = evalTokens(references[i]!)
    candLen += ct.length
    refLen += rt.length
    for (let n = 1; n <= 4; n++) {
      const cg = ngrams(ct, n)
      const rg = ngrams(rt, n)
      for (const [g, k] of cg) match[n - 1]! += Math.min(k, rg.get(g) ?? 0)
      total[n - 1]! += Math.max(0, ct.length - n + 1)
    }
  })
  if (candLen === 0 || match.some((m) => m === 0)) return 0
  const logP = match.reduce((a, m, i) => a + Math.log(m / total[i]!), 0) / 4
  const bp = candLen > refLen ? 1 : Math.exp(1 - refLen / candLen)
  return bp * Math.exp(logP)
}

/** CIDEr-D (mean over photos, ×10 as reported in papers). */
export function ciderD(candidates: string[], references: string[], sigma = 6): number {
  if (candidates.length !== references.length) throw new Error(`ciderD: ${candidates.length} candidates for ${references.length} references`)
  const N = references.length
  if (N === 0) return 0
  const refToks = references.map(evalTokens)
  const candToks = candidates.map(evalTokens)
  const df = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>(), new Map<string, number>()]
  for (const rt of refToks) for (let n = 1; n <= 4; n++) for (const g of ngrams(rt, n).keys()) df[n - 1]!.set(g, (df[n - 1]!.get(g) ?? 0) + 1)
  const logN = Math.log(N)
  const vec = (toks: string[], n: number) => {
    const counts = ngrams(toks, n)
    const v = new Map<string, number>()
    let norm = 0
    for (const [g, tf] of counts) {
      const w = tf * (logN - Math.log(Math.max(1, df[n - 1]!.get(g) ?? 0)))
      v.set(g, w)
      norm += w * w
    }
    return { v, norm: Math.sqrt(norm) }
  }
  let sum = 0
  for (let i = 0; i < N; i++) {
    let score = 0
    for (let n = 1; n <= 4; n++) {
      const c = vec(candToks[i]!, n)
      const r = vec(refToks[i]!, n)
      let dot = 0
      // CIDEr-D clips the candidate's weights at the reference's.
      for (const [g, w] of c.v) dot += Math.min(w, r.v.get(g) ?? 0) * (r.v.get(g) ?? 0)
      const denom = c.norm * r.norm
      const delta = candToks[i]!.length - refToks[i]!.length
      score += (denom > 0 ? dot / denom : 0) * Math.exp(-(delta * delta) / (2 * sigma * sigma))
    }
    sum += score / 4
  }
  return (sum / N) * 10
}

function f1(c: Map<string, number>, r: Map<string, number>): number {
  let match = 0
  let nc = 0
  let nr = 0
  for (const [g, k] of c) {
    nc += k
    match += Math.min(k, r.get(g) ?? 0)
  }
  for (const k of r.values()) nr += k
  return nc === 0 || nr === 0 || match === 0 ? 0 : (2 * match) / (nc + nr)
}

/**
 * [Note: reads like yours] What the Training view counts in words ("9 of 10 of
 * your held-out photos now read like yours"): a caption reads like the
 * person's when the mean of its word and word-pair F1 against their caption is
 * at least 0.5. Word pairs make it about the way of writing, not only the
 * words: "A red circle." against "Photo of a circle in red." shares half the
 * words and no pair (0.33, not like yours); "Photo of a triangle in red."
 * shares the frame (0.72, like yours, even with the wrong shape).
 */
export function readsLikeYours(candidate: string, reference: string): boolean {
  const c = evalTokens(candidate)
  const r = evalTokens(reference)
  return (f1(ngrams(c, 1), ngrams(r, 1)) + f1(ngrams(c, 2), ngrams(r, 2))) / 2 >= 0.5
}
