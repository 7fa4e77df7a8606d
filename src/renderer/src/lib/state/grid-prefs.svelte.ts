// How a person likes the library grid laid out, remembered on this device:
// whether each tile shows its caption on a line underneath, and the thumbnail size. A page that may
// not use localStorage (private mode, a sandbox) keeps the choice for the visit.
export interface PrefStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

const KEY = 'photocap.grid.captions'
const SIZE_KEY = 'photocap.grid.size'
const ORDER_KEY = 'photocap.grid.order'

export type TileSize = 'small' | 'medium' | 'large'
/** The narrowest a tile may be at each size; the grid fills its width with as many as fit. */
export const TILE_MIN: Record<TileSize, number> = { small: 116, medium: 168, large: 248 }
const isSize = (v: unknown): v is TileSize => v === 'small' || v === 'medium' || v === 'large'

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
  #size = $state<TileSize>('medium')
  #order = $state<'newest' | 'oldest'>('newest')

  constructor(storage: PrefStorage | null = defaultStorage()) {
    this.#storage = storage
    try {
      this.#captions = storage?.getItem(KEY) === '1'
      const size = storage?.getItem(SIZE_KEY)
      if (isSize(size)) this.#size = size
      if (storage?.getItem(ORDER_KEY) === 'oldest') this.#order = 'oldest'
    } catch {
      this.#captions = false
    }
  }

  /** The grid's date order. */
  get order(): 'newest' | 'oldest' {
    return this.#order
  }

  set order(order: 'newest' | 'oldest') {
    this.#order = order === 'oldest' ? 'oldest' : 'newest'
    this.#save(ORDER_KEY, this.#order)
  }

  /** How large the thumbnails are. */
  get size(): TileSize {
    return this.#size
  }

  set size(size: TileSize) {
    if (!isSize(size)) return
    this.#size = size
    this.#save(SIZE_KEY, size)
  }

  #save(key: string, value: string): void {
    try {
      this.#storage?.setItem(key, value)
    } catch {
      // Not remembered; still applied for this visit.
    }
  }

  /** A caption line under each tile (else the caption shows on hover and focus only). */
  get captions(): boolean {
    return this.#captions
  }

  set captions(on: boolean) {
    this.#captions = on
    this.#save(KEY, on ? '1' : '0')
  }
}
