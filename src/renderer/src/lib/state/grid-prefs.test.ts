import { describe, expect, it } from 'vitest'
import { GridPrefs, type PrefStorage } from './grid-prefs.svelte.ts'

function memory(): PrefStorage & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) }
}

describe('grid preferences', () => {
  it('caption lines are off at first, and a choice is remembered for the next visit', () => {
    const store = memory()
    const first = new GridPrefs(store)
    expect(first.captions).toBe(false)
    first.captions = true
    expect(new GridPrefs(store).captions).toBe(true)
    first.captions = false
    expect(new GridPrefs(store).captions).toBe(false)
  })

  it('a storage that refuses still applies the choice for this visit', () => {
    const refusing: PrefStorage = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    const prefs = new GridPrefs(refusing)
    expect(prefs.captions).toBe(false)
    prefs.captions = true
    expect(prefs.captions).toBe(true)
  })

  it('remembers the thumbnail size, medium at first, and ignores an unknown stored value', () => {
    const store = memory()
    expect(new GridPrefs(store).size).toBe('medium')
    new GridPrefs(store).size = 'large'
    expect(new GridPrefs(store).size).toBe('large')
    store.data.set('photocap.grid.size', 'huge')
    expect(new GridPrefs(store).size).toBe('medium')
  })

  it('remembers the sort order, newest first at first', () => {
    const store = memory()
    expect(new GridPrefs(store).order).toBe('newest')
    new GridPrefs(store).order = 'oldest'
    expect(new GridPrefs(store).order).toBe('oldest')
  })
})
