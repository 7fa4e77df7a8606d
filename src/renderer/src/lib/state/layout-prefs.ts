// Layout choices remembered on this device: whether the photo view's details
// panel is open, whether the sidebar is shown on a narrow window. Stored in
// localStorage when the page may use it; otherwise kept for this visit only.
type StorageLike = Pick<Storage, 'getItem' | 'setItem'>

const PREFIX = 'photocap.layout.'

function storage(): StorageLike | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

/** A remembered on/off choice: `get` gives the stored value or the default, `set` keeps it. */
export function rememberedFlag(name: string, fallback: boolean, store: StorageLike | null = storage()): { get(): boolean; set(value: boolean): void } {
  let memory = fallback
  return {
    get() {
      try {
        const v = store?.getItem(PREFIX + name)
        return v === '1' ? true : v === '0' ? false : memory
      } catch {
        return memory
      }
    },
    set(value) {
      memory = value
      try {
        store?.setItem(PREFIX + name, value ? '1' : '0')
      } catch {
        // Storage full or refused: remembered for this visit.
      }
    },
  }
}
