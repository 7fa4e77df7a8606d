import { describe, expect, it } from 'vitest'
import { formatRoute, parseRoute, replacesEntry, type Route } from './route.ts'

describe('hash routes', () => {
  const routes: Route[] = [
    { view: 'library' },
    { view: 'library', folder: '/photos/2019 summer' },
    { view: 'photo', id: 12 },
    { view: 'photo', id: 12, q: 'dog & cat' },
    { view: 'photo', id: 12, folder: 'C:\\Users\\me\\Pictures' },
    { view: 'search', q: 'red sofa' },
    { view: 'search', q: 'beach', folder: '/photos' },
    { view: 'similar', id: 7 },
    { view: 'review' },
    { view: 'review', id: 3 },
    { view: 'activity' },
    { view: 'settings' },
    { view: 'training' },
  ]
  it('round-trips every view', () => {
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r)
  })
  it('reads a photo link', () => {
    expect(formatRoute({ view: 'photo', id: 12 })).toBe('#/photo/12')
    expect(parseRoute('#/photo/12')).toEqual({ view: 'photo', id: 12 })
  })
  it('falls back to the library for anything unknown or malformed', () => {
    for (const h of ['', '#', '#/', '#/nope', '#/photo/abc', '#/photo/0', '#/photo/-3', '#/search?q=', '#/similar/'])
      expect(parseRoute(h)).toEqual({ view: 'library' })
  })
  it('replaces the history entry only while typing a search or moving through the review', () => {
    expect(replacesEntry({ view: 'review' }, { view: 'review', id: 4 })).toBe(true)
    expect(replacesEntry({ view: 'review', id: 4 }, { view: 'review', id: 5 })).toBe(true)
    expect(replacesEntry({ view: 'training' }, { view: 'review' })).toBe(false)
    expect(replacesEntry({ view: 'search', q: 'd' }, { view: 'search', q: 'do' })).toBe(true)
    expect(replacesEntry({ view: 'library' }, { view: 'search', q: 'd' })).toBe(false)
    expect(replacesEntry({ view: 'search', q: 'dog' }, { view: 'photo', id: 1, q: 'dog' })).toBe(false)
  })
})
