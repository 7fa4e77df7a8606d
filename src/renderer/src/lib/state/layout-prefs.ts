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

/**
 * One remembered value: read back through `decode` (null: not stored, or not
 * ours to read) else the last value set this visit, else the fallback.
 */
function remembered<T>(
  name: string,
  fallback: T,
  decode: (stored: string) => T | null,
  encode: (value: T) => string,
  store: StorageLike | null,
): { get(): T; set(value: T): void } {
  let memory = fallback
  return {
    get() {
      try {
        const v = store?.getItem(PREFIX + name)
        return (v === null || v === undefined ? null : decode(v)) ?? memory
      } catch {
        return memory
      }
    },
    set(value) {
      memory = value
      try {
        store?.setItem(PREFIX + name, encode(value))
      } catch {
        // Storage full or refused: remembered for this visit.
      }
    },
  }
}

/** A remembered on/off choice: `get` gives the stored value or the default, `set` keeps it. */
export function rememberedFlag(name: string, fallback: boolean, store: StorageLike | null = storage()): { get(): boolean; set(value: boolean): void } {
  return remembered(
    name,
    fallback,
    (v) => (v === '1' ? true : v === '0' ? false : null),
    (value) => (value ? '1' : '0'),
    store,
  )
}

/**
 * A remembered set of names (the folders closed in the sidebar): stored as a JSON list.
 * A damaged value reads as the empty set; a list with other things in it keeps its strings.
 */
export function rememberedSet(name: string, store: StorageLike | null = storage()): { get(): Set<string>; set(value: Iterable<string>): void } {
  const list = remembered<string[]>(
    name,
    [],
    (v) => {
      try {
        const parsed: unknown = JSON.parse(v)
        return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : []
      } catch {
        return []
      }
    },
    (value) => JSON.stringify(value),
    store,
  )
  return { get: () => new Set(list.get()), set: (value) => list.set([...value]) }
}
