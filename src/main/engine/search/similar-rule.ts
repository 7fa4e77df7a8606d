// Which photos "more like this" shows. Not the relevance cut-off built for text
// queries ([Note: adaptive relevance cut-off]): that asks whether anything
// stands out from chance, which in a small library (a dozen photos) is never
// true, so it returned nothing but the photo itself, even for a near-duplicate
// at cosine 0.9999. Photo-to-photo similarity is read directly instead:
//   - a near-duplicate (cosine >= NEAR_DUPLICATE: the same scene shot twice,
//     an edited copy) is always shown;
//   - every other photo more similar than the library's average is shown,
//     best first; the rest are unrelated.
// The photo itself is the reference, never a result (the caller excludes it).
import type { ScoreStats, VectorHit } from './vector-index.ts'

export const NEAR_DUPLICATE = 0.95

export function similarPhotos(hits: readonly VectorHit[], library: ScoreStats): VectorHit[] {
  return hits.filter((h) => h.score >= NEAR_DUPLICATE || h.score > library.mean).sort((a, b) => b.score - a.score)
}
