// Layout choices remembered on this device: whether the photo view's details
// panel is open, whether the sidebar is shown on a narrow window, which folders
// of the sidebar's tree the person closed. Stored in
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

/**
 * A remembered set of names (the folders closed in the sidebar): stored as a JSON list.
 * A damaged value reads as the empty set; a list with other things in it keeps its strings.
 */
export function rememberedSet(name: string, store: StorageLike | null = storage()): { get(): Set<string>; set(value: Iterable<string>): void } {
  let memory: string[] = []
  return {
    get() {
      try {
        const v = store?.getItem(PREFIX + name)
        if (v === null || v === undefined) return new Set(memory)
        const parsed: unknown = JSON.parse(v)
        return new Set(Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [])
      } catch {
        return new Set(memory)
      }
    },
    set(value) {
      memory = [...value]
      try {
        store?.setItem(PREFIX + name, JSON.stringify(memory))
      } catch {
        // Storage full or refused: remembered for this visit.
      }
    },
  }
}
