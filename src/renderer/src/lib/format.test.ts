import { describe, expect, it } from 'vitest'
import { altText, bytes, duration, snippetParts } from './format.ts'

describe('format', () => {
  it('splits [[marked]] snippets without interpreting HTML', () => {
    expect(snippetParts('a [[dog]] <b>on</b> [[sand]]')).toEqual([
      { text: 'a ', mark: false }, { text: 'dog', mark: true }, { text: ' <b>on</b> ', mark: false }, { text: 'sand', mark: true },
    ])
  })
  it('uses the caption as alt text, else says what is known', () => {
    expect(altText({ caption: 'A cat.', name: 'a.jpg', status: 'done', error: null })).toBe('A cat.')
    expect(altText({ caption: null, name: 'a.jpg', status: 'failed', error: 'truncated' })).toBe('a.jpg: could not be processed')
    expect(altText({ caption: null, name: 'a.jpg', status: 'queued', error: null })).toBe('a.jpg: not captioned yet')
  })
  it('formats sizes and durations for people', () => {
    expect(bytes(1_200_000_000)).toBe('1.1 GB')
    expect(duration(75)).toBe('1 min 15 s')
    expect(duration(null)).toBe('estimating…')
  })
})
