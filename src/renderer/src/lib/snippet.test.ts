import { describe, expect, it } from 'vitest'
import { resultText } from './snippet.ts'

const photo = { caption: 'A dog asleep in the sun.', name: 'IMG_0001.jpg' }

describe('search result text', () => {
  it('shows the caption with matches marked, but never stop words', () => {
    const r = resultText({ snippet: 'A [[dog]] asleep [[in]] [[the]] sun.', photo }, '')
    expect(r.caption.filter((p) => p.mark).map((p) => p.text)).toEqual(['dog'])
    expect(r.caption.map((p) => p.text).join('')).toBe(photo.caption)
    expect(r.name).toEqual([{ text: 'IMG_0001.jpg', mark: false }])
  })
  it('keeps the caption when the folder or file name matched, and marks the name instead', () => {
    const r = resultText({ snippet: '/photos/dogs/[[IMG]]_0001.jpg', photo }, '')
    expect(r.caption).toEqual([{ text: photo.caption, mark: false }])
    expect(r.name).toEqual([
      { text: 'IMG', mark: true },
      { text: '_0001.jpg', mark: false },
    ])
    const folderOnly = resultText({ snippet: '/photos/[[dogs]]/IMG_0001.jpg', photo }, '')
    expect(folderOnly.caption[0]!.text).toBe(photo.caption)
    expect(folderOnly.name.map((p) => p.text).join('')).toBe('IMG_0001.jpg')
  })
  it('falls back for a photo without a caption', () => {
    expect(resultText({ snippet: null, photo: { caption: null, name: 'x.jpg' } }, 'x.jpg: not captioned yet').caption[0]!.text).toBe('x.jpg: not captioned yet')
  })
})
