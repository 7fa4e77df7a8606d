import { describe, expect, it } from 'vitest'
import { bleu4, ciderD, evalTokens, readsLikeYours } from './metrics.ts'

describe('caption metrics', () => {
  it('tokenises words, digits and possessives, lower-cased', () => {
    expect(evalTokens("A dog's 2 Balls, on grass.")).toEqual(['a', "dog's", '2', 'balls', 'on', 'grass'])
  })

  it('BLEU-4 is 1 for identical captions and 0 without any 4-gram match', () => {
    const refs = ['a dog runs on the grass', 'two cats sleep on a red sofa']
    expect(bleu4(refs, refs)).toBeCloseTo(1, 12)
    expect(bleu4(['a dog runs', 'two cats sleep'], refs)).toBe(0)
  })

  it('BLEU-4 by hand: precisions and brevity penalty', () => {
    // cand 6 tokens vs ref 7: p1 6/6, p2 4/5, p3 2/4, p4 1/3; BP = exp(1 − 7/6)
    const cand = 'a dog runs on green grass'
    const ref = 'a dog runs on the green grass'
    const expected = Math.exp(1 - 7 / 6) * Math.exp((Math.log(6 / 6) + Math.log(4 / 5) + Math.log(2 / 4) + Math.log(1 / 3)) / 4)
    expect(bleu4([cand], [ref])).toBeCloseTo(expected, 12)
  })

  it('CIDEr-D rewards the right caption over a generic one and penalises length differences', () => {
    const refs = ['a red circle', 'a blue square', 'a green triangle', 'a yellow circle']
    const perfect = ciderD(refs, refs)
    const generic = ciderD(
      refs.map(() => 'a circle'),
      refs,
    )
    expect(perfect).toBeGreaterThan(generic)
    expect(perfect).toBeGreaterThan(5)
    const longer = ciderD(
      refs.map((r) => `${r} on a white table in a room`),
      refs,
    )
    expect(longer).toBeLessThan(perfect)
    expect(ciderD(['x y z', 'q', 'r', 's'], refs)).toBe(0)
  })

  it('"reads like yours": the way of writing (word pairs), not only the words', () => {
    const yours = 'Photo of a circle in red.'
    expect(readsLikeYours('Photo of a circle in red.', yours)).toBe(true)
    expect(readsLikeYours('Photo of a triangle in red.', yours)).toBe(true) // same frame, wrong shape
    expect(readsLikeYours('A red circle.', yours)).toBe(false) // half the words, no pair
    expect(readsLikeYours('', yours)).toBe(false)
  })
})
