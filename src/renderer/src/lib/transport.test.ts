// The session token leaves the address bar and history as soon as the page has
// it, and survives a reload through this tab's sessionStorage.
import { afterEach, describe, expect, it } from 'vitest'
import { takeSessionToken } from './transport.ts'

afterEach(() => {
  window.sessionStorage.clear()
  window.history.replaceState(null, '', '/')
})

describe('takeSessionToken', () => {
  it('takes the token out of the URL with replaceState and keeps it in sessionStorage', () => {
    window.history.pushState(null, '', '/?token=abc123&view=grid#photo-4')
    const before = window.history.length
    expect(takeSessionToken(window)).toBe('abc123')
    expect(window.location.href).not.toContain('abc123')
    expect(window.location.search).toBe('?view=grid')
    expect(window.location.hash).toBe('#photo-4')
    // Replaced, not pushed: the entry that held the token is gone.
    expect(window.history.length).toBe(before)
    expect(window.sessionStorage.getItem('photocap.token')).toBe('abc123')
  })

  it('reads the kept token after a reload (no token in the URL)', () => {
    window.history.pushState(null, '', '/?token=keep-me')
    takeSessionToken(window)
    window.history.replaceState(null, '', '/')
    expect(takeSessionToken(window)).toBe('keep-me')
  })

  it('gives an empty token when there is none anywhere', () => {
    expect(takeSessionToken(window)).toBe('')
  })
})
