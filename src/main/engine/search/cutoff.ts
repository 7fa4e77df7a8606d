// Which meaning matches are relevant enough to show: a cut-off that adapts to
// the query instead of one fixed cosine threshold.
//
// [Note: adaptive relevance cut-off]
// CLIP cosines between a text and images live in a narrow band whose position
// moves with the query ("dog" scores everything higher than "a receipt from
// 2019"), so a fixed threshold either drowns one query in noise or hides the
// answers of another. Instead, in units of this query's score spread (std over
// every candidate photo):
//   1. Something must stand out. The lift of the best score over the score at a
//      reference rank (10, or 1% of the library) must beat what chance alone
//      gives for a library of this size (the same lift between order statistics
//      of normal noise) by `minLiftMargin`. A query that matches nothing by
//      meaning (a name, a file number) gets no meaning results at all, and the
//      words answer alone.
//   2. Relative to the best: keep s >= best - `relative` * (best - mean), so a
//      query with clear answers does not drag in the merely average.
//   3. The knee: the largest drop between consecutive kept scores, when it is
//      `kneeRatio` times the median drop, ends the list there.
// Tuned on the fixture library (test/fixtures/search), where ranking.test.ts
// checks both what is kept and what is cut.
import type { ScoreStats, VectorHit } from './vector-index.ts'

export interface CutoffOptions {
  minLiftMargin: number
  relative: number
  kneeRatio: number
  /** Never cut by the knee before this many results. */
  kneeMinKeep: number
}

export const defaultCutoff: CutoffOptions = { minLiftMargin: 0.5, relative: 0.5, kneeRatio: 4, kneeMinKeep: 3 }

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity
  if (p >= 1) return Infinity
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239]
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]
  const lo = 0.02425
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
  }
  if (p > 1 - lo) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  )
}

/** The reference rank (1-based) the best score is compared with. */
export function referenceRank(count: number): number {
  return Math.max(1, Math.min(count, Math.max(10, Math.ceil(count / 100))))
}

/** The lift (in std units) of the best over the reference rank that pure noise gives for `count` photos. */
export function chanceLift(count: number): number {
  if (count < 2) return 0
  const ref = referenceRank(count)
  return normalQuantile(1 - 1 / (count + 1)) - normalQuantile(1 - ref / (count + 1))
}

/**
 * Keep the meaning hits that are relevant. `background` is the query's score
 * distribution over the whole library and its best scores (at least down to the
 * reference rank), so a filter narrows the results without changing what
 * counts as relevant. `hits` (best first) may be filtered.
 */
export function relevanceCutoff(
  hits: VectorHit[],
  background: { stats: ScoreStats; top: ArrayLike<number> },
  options: Partial<CutoffOptions> = {},
): VectorHit[] {
  const o = { ...defaultCutoff, ...options }
  const { stats, top } = background
  if (hits.length === 0 || top.length === 0) return []
  const best = top[0]!
  const std = stats.std > 1e-9 ? stats.std : 1e-9
  const refRank = referenceRank(stats.count)
  const refScore = top[Math.min(top.length, refRank) - 1]!
  if ((best - refScore) / std < chanceLift(stats.count) + o.minLiftMargin) return []
  const floor = best - o.relative * (best - stats.mean)
  const kept = hits.filter((h) => h.score >= floor)
  if (kept.length <= o.kneeMinKeep) return kept
  const drops = kept.slice(1).map((h, i) => kept[i]!.score - h.score)
  const sorted = [...drops].sort((a, b) => a - b)
  const typical = Math.max(sorted[Math.floor(sorted.length / 2)]!, 1e-6)
  let cut = kept.length
  let biggest = 0
  for (let i = o.kneeMinKeep - 1; i < drops.length; i++) {
    if (drops[i]! > biggest && drops[i]! >= o.kneeRatio * typical) {
      biggest = drops[i]!
      cut = i + 1
    }
  }
  return kept.slice(0, cut)
}
