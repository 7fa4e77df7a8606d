import { describe, expect, it } from 'vitest'
import { rememberedFlag } from './layout-prefs.ts'

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
