import { describe, expect, it } from 'vitest'
import { samplePhoto } from '../../../shared/api-samples.ts'
import { badgeOf, shortText, tileDescription, tileName } from './tile.ts'

describe('tile names', () => {
  it('keeps a short caption whole and cuts a long one at a word, marked with …', () => {
    expect(shortText('A dog on a beach.')).toBe('A dog on a beach.')
    const cut = shortText('A golden retriever with a red collar runs along the wet sand of a wide beach at sunset')
    expect(cut).toBe('A golden retriever with a red collar runs along the wet…')
    expect(cut.length).toBeLessThanOrEqual(60)
    expect(shortText('x'.repeat(80))).toBe(`${'x'.repeat(59)}…`)
  })

  it('adds the state to the name and the reason a photo failed to the description', () => {
    expect(tileName(samplePhoto(1))).toBe('A photo number 1 of a quiet street.')
    expect(tileName(samplePhoto(1, { provenance: 'user', caption: 'Rex asleep' }))).toBe('Rex asleep, Yours')
    const failed = samplePhoto(3, { status: 'failed', caption: null, provenance: null, error: 'Input file is truncated' })
    expect(tileName(failed)).toBe('IMG_0003.jpg: could not be read')
    expect(tileDescription(failed)).toBe('IMG_0003.jpg: could not be read. Input file is truncated')
  })

  it('an automatic caption has no badge; every other state has one', () => {
    expect(badgeOf('done', 'auto')).toBeNull()
    expect(badgeOf('done', 'user')?.text).toBe('Yours')
    expect(badgeOf('failed', null)?.text).toBe('Could not be read')
    expect(badgeOf('queued', null)?.text).toBe('Queued')
  })
})
