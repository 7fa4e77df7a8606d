import { describe, expect, it } from 'vitest'
import { compileExclusions, isHiddenOrSystem, isImageName } from './files.ts'

describe('library file rules', () => {
  it('knows image extensions case-insensitively and ignores dotfiles without a name', () => {
    for (const n of ['a.jpg', 'B.JPEG', 'c.png', 'd.HEIC', 'e.webp', 'f.tiff', 'g.avif']) expect(isImageName(n), n).toBe(true)
    for (const n of ['a.txt', 'jpg', '.jpg', 'a.jpg.part', 'a.xmp', 'a.mov']) expect(isImageName(n), n).toBe(false)
  })

  it('skips hidden and system folders', () => {
    for (const n of ['.git', '.thumbnails', '$RECYCLE.BIN', 'System Volume Information', '@eaDir', 'lost+found', '.Trashes'])
      expect(isHiddenOrSystem(n), n).toBe(true)
    for (const n of ['Holidays', 'eaDir', 'photos 2019']) expect(isHiddenOrSystem(n), n).toBe(false)
  })

  it('matches exclusion patterns like gitignore', () => {
    const ex = compileExclusions(['raw/', '*.tmp.jpg', 'exports/**', 'private/2019-??/*', 'a/**/b'])
    expect(ex('raw')).toBe(true)
    expect(ex('2020/raw/x.jpg')).toBe(true) // no slash inside: any depth
    expect(ex('rawness/x.jpg')).toBe(false)
    expect(ex('deep/in/file.tmp.jpg')).toBe(true)
    expect(ex('exports/a/b.jpg')).toBe(true)
    expect(ex('old/exports/b.jpg')).toBe(false) // anchored at the root
    expect(ex('private/2019-07/x.jpg')).toBe(true)
    expect(ex('private/2019-7/x.jpg')).toBe(false)
    expect(ex('a/b')).toBe(true)
    expect(ex('a/x/y/b/c.jpg')).toBe(true)
    expect(ex('keep/me.jpg')).toBe(false)
    expect(compileExclusions([])('anything.jpg')).toBe(false)
  })

  it('treats regex characters in patterns literally', () => {
    const ex = compileExclusions(['(draft)+.jpg', 'a[1].jpg'])
    expect(ex('(draft)+.jpg')).toBe(true)
    expect(ex('draftdraft.jpg')).toBe(false)
    expect(ex('a[1].jpg')).toBe(true)
    expect(ex('a1.jpg')).toBe(false)
  })
})
