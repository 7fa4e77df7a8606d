import { describe, expect, it } from 'vitest'
import { altText, bytes, count, dateTaken, duration, monthLabel, snippetParts } from './format.ts'

describe('format', () => {
  it('splits [[marked]] snippets without interpreting HTML', () => {
    expect(snippetParts('a [[dog]] <b>on</b> [[sand]]')).toEqual([
      { text: 'a ', mark: false },
      { text: 'dog', mark: true },
      { text: ' <b>on</b> ', mark: false },
      { text: 'sand', mark: true },
    ])
  })
  it('uses the caption as alt text, else says what is known', () => {
    expect(altText({ caption: 'A cat.', name: 'a.jpg', status: 'done', error: null })).toBe('A cat.')
    expect(altText({ caption: null, name: 'a.jpg', status: 'failed', error: 'truncated' })).toBe('a.jpg: could not be read')
    expect(altText({ caption: null, name: 'a.jpg', status: 'queued', error: null })).toBe('a.jpg: not captioned yet')
  })
  it('formats sizes and durations for people', () => {
    expect(bytes(1_200_000_000)).toBe('1.1 GB')
    expect(duration(75)).toBe('1 min 15 s')
    expect(duration(null)).toBe('estimating…')
  })
})

describe('locale formats', () => {
  it('writes dates, month headings and counts in the person’s locale', () => {
    expect(dateTaken('2019-07-04T15:30:00Z', 'de-DE')).toMatch(/^04\.07\.2019, \d\d:30$/)
    expect(dateTaken('2019-07-04T15:30:00Z', 'en-US')).toMatch(/^Jul 4, 2019, \d{1,2}:30\s?[AP]M$/)
    expect(monthLabel('2019-07', 'July 2019', 'fr-FR')).toBe('juillet 2019')
    expect(monthLabel('2019-07', 'July 2019', 'en-GB')).toBe('July 2019')
    expect(monthLabel('undated', 'No date')).toBe('No date')
    expect(count(1234567, 'de-DE')).toBe('1.234.567')
    expect(dateTaken(null)).toBe('Date unknown')
  })
})
