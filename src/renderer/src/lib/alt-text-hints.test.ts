import { describe, expect, it } from 'vitest'
import { altTextHints } from './alt-text-hints.ts'

describe('alt-text hints', () => {
  it('warns about a redundant "image of" opening', () => {
    expect(altTextHints('Image of a dog on a beach')).toHaveLength(1)
    expect(altTextHints('A picture of two children')).toHaveLength(1)
    expect(altTextHints('A dog on a beach')).toEqual([])
  })
  it('warns about file-name-like text', () => {
    expect(altTextHints('IMG_0042.jpg')).toHaveLength(1)
    expect(altTextHints('DSC01234')).toHaveLength(1)
    expect(altTextHints('holiday-beach', 'holiday-beach.jpg')).toHaveLength(1)
    expect(altTextHints('Three boats in 2019')).toEqual([])
  })
  it('says nothing about an empty caption', () => {
    expect(altTextHints('  ')).toEqual([])
  })
})
