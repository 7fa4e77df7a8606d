// Caption drafts: what a person typed and has not saved yet, kept per photo on
// this device (localStorage) so that leaving the photo, reloading the page,
// pressing Escape or losing the server never throws words away. A draft is
// cleared only by saving it or by "Discard draft". Scoped by library (its
// database path) so two libraries served on the same address do not mix.
export interface Draft {
  text: string
  /** The saved caption the draft was written against (to tell "changed meanwhile"). */
  base: string
  /** When it was last typed (ms since epoch). */
  at: number
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>

const PREFIX = 'photocap.draft.'

/** localStorage when the page may use it; a private-mode or sandboxed page gets an in-memory map. */
function defaultStorage(): StorageLike {
  try {
    const s = globalThis.localStorage
    if (s) {
      s.setItem(`${PREFIX}probe`, '1')
      s.removeItem(`${PREFIX}probe`)
      return s
    }
  } catch {
    // Storage refused: fall through to memory.
  }
  return memoryStorage()
}

/** Drafts for this visit only (tests, or a page that may not use localStorage). */
export function memoryStorage(): StorageLike {
  const m = new Map<string, string>()
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    key: (i) => [...m.keys()][i] ?? null,
    get length() {
      return m.size
    },
  }
}

export class Drafts {
  #storage: StorageLike
  #scope = 'library'

  constructor(storage: StorageLike = defaultStorage()) {
    this.#storage = storage
  }

  /** Which library the drafts belong to (set once the backend said which one is open). */
  setScope(scope: string): void {
    this.#scope = encodeURIComponent(scope)
  }

  #key(photoId: number): string {
    return `${PREFIX}${this.#scope}.${photoId}`
  }

  get(photoId: number): Draft | null {
    const raw = this.#storage.getItem(this.#key(photoId))
    if (!raw) return null
    try {
      const d = JSON.parse(raw) as Partial<Draft>
      return typeof d.text === 'string' ? { text: d.text, base: typeof d.base === 'string' ? d.base : '', at: typeof d.at === 'number' ? d.at : 0 } : null
    } catch {
      return null
    }
  }

  set(photoId: number, text: string, base: string, now = Date.now()): void {
    try {
      this.#storage.setItem(this.#key(photoId), JSON.stringify({ text, base, at: now } satisfies Draft))
    } catch {
      // Storage full: the draft still lives in the editor for this visit.
    }
  }

  clear(photoId: number): void {
    this.#storage.removeItem(this.#key(photoId))
  }

  /** Photo ids with a draft in this library. */
  ids(): number[] {
    const prefix = `${PREFIX}${this.#scope}.`
    const out: number[] = []
    for (let i = 0; i < this.#storage.length; i++) {
      const k = this.#storage.key(i)
      if (k?.startsWith(prefix)) {
        const id = Number(k.slice(prefix.length))
        if (Number.isInteger(id) && id > 0) out.push(id)
      }
    }
    return out
  }
}
