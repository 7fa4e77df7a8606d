// How a person likes the library grid laid out, remembered on this device:
// whether each tile shows its caption on a line underneath. A page that may
// not use localStorage (private mode, a sandbox) keeps the choice for the visit.
export interface PrefStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

const KEY = 'photocap.grid.captions'

function defaultStorage(): PrefStorage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

export class GridPrefs {
  #storage: PrefStorage | null
  #captions = $state(false)

  constructor(storage: PrefStorage | null = defaultStorage()) {
    this.#storage = storage
    try {
      this.#captions = storage?.getItem(KEY) === '1'
    } catch {
      this.#captions = false
    }
  }

  /** A caption line under each tile (else the caption shows on hover and focus only). */
  get captions(): boolean {
    return this.#captions
  }

  set captions(on: boolean) {
    this.#captions = on
    try {
      this.#storage?.setItem(KEY, on ? '1' : '0')
    } catch {
      // Not remembered; still applied for this visit.
    }
  }
}
