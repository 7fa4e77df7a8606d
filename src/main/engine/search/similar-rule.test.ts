import { describe, expect, it } from 'vitest'
import { NEAR_DUPLICATE, similarPhotos } from './similar-rule.ts'

const stats = (scores: number[]) => {
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length)
  return { count: scores.length, mean, std, max: Math.max(...scores) }
}

describe('"more like this" rule', () => {
  // A dozen photos: one near-duplicate of the reference, the rest spread out.
  const scores = [0.9999, 0.81, 0.78, 0.74, 0.7, 0.66, 0.62, 0.6, 0.58, 0.55, 0.5]
  const hits = scores.map((score, i) => ({ id: i + 2, score }))
  const library = stats([1, ...scores])

  it('keeps a near-duplicate in a small library, best first', () => {
    const kept = similarPhotos(hits, library)
    expect(kept[0]).toEqual({ id: 2, score: 0.9999 })
  })

  it('ranks the rest that are more alike than average, and leaves out the unrelated', () => {
    const kept = similarPhotos(hits, library)
    expect(kept.map((h) => h.score)).toEqual(scores.filter((s) => s > library.mean))
    expect(kept.length).toBeLessThan(hits.length)
  })

  it('always keeps near-duplicates, even when the whole library is alike', () => {
    const alike = [0.99, 0.985, 0.98].map((score, i) => ({ id: i + 2, score }))
    const kept = similarPhotos(alike, stats([1, 0.99, 0.985, 0.98]))
    expect(kept.map((h) => h.id)).toEqual([2, 3, 4])
    expect(NEAR_DUPLICATE).toBeLessThan(0.98)
  })
})
