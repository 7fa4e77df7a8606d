import { describe, expect, it } from 'vitest'
import { rememberedFlag, rememberedSet } from './layout-prefs.ts'

function memory(): Pick<Storage, 'getItem' | 'setItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) }
}

describe('remembered layout flags', () => {
  it('gives the default until set, then what was set, across instances on the same storage', () => {
    const store = memory()
    const a = rememberedFlag('photoPanel', true, store)
    expect(a.get()).toBe(true)
    a.set(false)
    expect(rememberedFlag('photoPanel', true, store).get()).toBe(false)
    expect(store.data.get('photocap.layout.photoPanel')).toBe('0')
  })

  it('keeps the choice for the visit when storage refuses', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    const f = rememberedFlag('sidebar', false, refusing)
    f.set(true)
    expect(f.get()).toBe(true)
    expect(rememberedFlag('x', true, null).get()).toBe(true)
  })
})

describe('remembered sets', () => {
  it('gives the empty set until set, then what was set, across instances on the same storage', () => {
    const store = memory()
    const a = rememberedSet('closedFolders', store)
    expect([...a.get()]).toEqual([])
    a.set(new Set(['/photos/2019', '/photos/2020/July']))
    expect([...rememberedSet('closedFolders', store).get()]).toEqual(['/photos/2019', '/photos/2020/July'])
    a.set([])
    expect([...rememberedSet('closedFolders', store).get()]).toEqual([])
  })

  it('reads a damaged value as empty and keeps only the strings of a foreign list', () => {
    const store = memory()
    store.data.set('photocap.layout.closedFolders', '{not json')
    expect(rememberedSet('closedFolders', store).get().size).toBe(0)
    store.data.set('photocap.layout.closedFolders', '{"a":1}')
    expect(rememberedSet('closedFolders', store).get().size).toBe(0)
    store.data.set('photocap.layout.closedFolders', '["/a", 3, null, "/b"]')
    expect([...rememberedSet('closedFolders', store).get()]).toEqual(['/a', '/b'])
  })

  it('keeps the set for the visit when storage refuses', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    const s = rememberedSet('closedFolders', refusing)
    s.set(['/x'])
    expect([...s.get()]).toEqual(['/x'])
    expect(rememberedSet('y', null).get().size).toBe(0)
  })
})
