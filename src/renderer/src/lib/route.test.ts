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
    {
      view: 'search',
      q: 'beach',
      filter: { status: 'failed', caption: 'reviewed', hasUserCaption: true, camera: 'Canon EOS 5D', from: '2019-07-01', to: '2019-07-31' },
    },
    { view: 'photo', id: 12, q: 'dog', folder: '/photos', filter: { status: 'done' } },
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
  it('keeps the search filters in the address and drops values the filter does not take', () => {
    expect(formatRoute({ view: 'search', q: 'dog', filter: { status: 'failed', hasUserCaption: true } })).toBe('#/search?q=dog&status=failed&mine=1')
    expect(parseRoute('#/search?q=dog&status=burnt&caption=x&mine=yes&from=July&to=2019-13&camera=')).toEqual({ view: 'search', q: 'dog' })
    expect(parseRoute(`#/search?q=dog&camera=${'x'.repeat(201)}`)).toEqual({ view: 'search', q: 'dog' })
    // A photo opened from the library (no search) has no search filters.
    expect(parseRoute('#/photo/3?status=failed')).toEqual({ view: 'photo', id: 3 })
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
