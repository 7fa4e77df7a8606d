// One ranked list from the word results and the meaning results.
//
// [Note: rank fusion]
// BM25 scores and cosines are on unrelated scales, and both move with the query,
// so the lists are fused by rank: reciprocal rank fusion, score(d) = sum over
// lists of w / (k + rank(d)), with k = 60 (Cormack et al. 2009). A photo found by
// both rises above photos found by one. Word results that matched only some of
// the query's terms (the looser tier) rank after those matching all of them and
// count half (`partialWordWeight`): "dog in the grass" should not outrank an
// uncaptioned dog on a beach that meaning found for "dog on the beach".
// `evaluateFusion` in the ranking tests compares RRF with a min-max score sum
// (CombSUM) and with each list alone on the fixture library's judged queries;
// bench/search.bench.ts reports the same figures (nDCG@10). Scores are scaled
// so that first in every list that found anything is 1.
export type Source = 'words' | 'meaning' | 'both'

export interface WordHit {
  id: number
  /** bm25() as SQLite gives it: lower is better. */
  bm25: number
  /** 0: matched all terms; 1: matched only some. */
  tier: number
}

export interface FusedHit {
  id: number
  score: number
  source: Source
  /** 1-based rank in each list, when present. */
  wordRank: number | null
  meaningRank: number | null
  meaningScore: number | null
}

export interface FusionOptions {
  method: 'rrf' | 'combsum'
  k: number
  wordWeight: number
  meaningWeight: number
  /** Weight of a word hit that matched only some of the query's terms (tier 1). */
  partialWordWeight: number
}

export const defaultFusion: FusionOptions = { method: 'rrf', k: 60, wordWeight: 1, meaningWeight: 1, partialWordWeight: 0.5 }

export function fuse(words: WordHit[], meaning: Array<{ id: number; score: number }>, options: Partial<FusionOptions> = {}): FusedHit[] {
  const o = { ...defaultFusion, ...options }
  const byId = new Map<number, FusedHit>()
  const entry = (id: number) => {
    let e = byId.get(id)
    if (!e) byId.set(id, (e = { id, score: 0, source: 'words', wordRank: null, meaningRank: null, meaningScore: null }))
    return e
  }
  const partial = new Set<number>()
  words.forEach((w, i) => {
    entry(w.id).wordRank = i + 1
    if (w.tier > 0) partial.add(w.id)
  })
  meaning.forEach((m, i) => {
    const e = entry(m.id)
    e.meaningRank = i + 1
    e.meaningScore = m.score
  })
  if (o.method === 'rrf') {
    // scaled so that first in every list that found anything is 1
    const max = (words.length ? o.wordWeight / (o.k + 1) : 0) + (meaning.length ? o.meaningWeight / (o.k + 1) : 0)
    for (const e of byId.values()) {
      let s = 0
      if (e.wordRank !== null) s += (partial.has(e.id) ? o.partialWordWeight : o.wordWeight) / (o.k + e.wordRank)
      if (e.meaningRank !== null) s += o.meaningWeight / (o.k + e.meaningRank)
      e.score = s / max
    }
  } else {
    // CombSUM of min-max normalised scores (bm25: lower is better; tier 1 halves it)
    const wordScore = new Map<number, number>()
    if (words.length) {
      const raw = words.map((w) => -w.bm25)
      const lo = Math.min(...raw)
      const hi = Math.max(...raw)
      words.forEach((w, i) => wordScore.set(w.id, (hi > lo ? (raw[i]! - lo) / (hi - lo) : 1) * (w.tier ? 0.5 : 1)))
    }
    const mScores = meaning.map((m) => m.score)
    const mlo = Math.min(...mScores)
    const mhi = Math.max(...mScores)
    for (const e of byId.values()) {
      const w = wordScore.get(e.id) ?? 0
      const m = e.meaningScore === null ? 0 : mhi > mlo ? (e.meaningScore - mlo) / (mhi - mlo) : 1
      e.score = (o.wordWeight * w + o.meaningWeight * m) / (o.wordWeight + o.meaningWeight)
    }
  }
  for (const e of byId.values()) e.source = e.wordRank !== null && e.meaningRank !== null ? 'both' : e.wordRank !== null ? 'words' : 'meaning'
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id - b.id)
}

/** nDCG@k of a ranking against graded judgements (id -> gain). */
export function ndcg(ranking: number[], judgements: Map<number, number>, k = 10): number {
  const dcg = ranking.slice(0, k).reduce((s, id, i) => s + (2 ** (judgements.get(id) ?? 0) - 1) / Math.log2(i + 2), 0)
  const ideal = [...judgements.values()]
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0)
  return ideal > 0 ? dcg / ideal : 0
}
