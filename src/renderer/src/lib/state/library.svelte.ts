// The library as the grid sees it: months with counts (for the layout of a
// virtualised grid that never holds 100,000 photos at once), pages of photos
// loaded on demand as rows scroll into view, roots and folder counts for the
// sidebar. Events from the backend refresh what is loaded without flashing.
import type { FolderCount, MonthGroup, PhotoFilter, PhotoSummary, Root, SortOrder, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'

export const PAGE_SIZE = 120

export class LibraryState {
  #t: Transport
  #announcer: Announcer
  filter = $state.raw<PhotoFilter>({})
  /** Newest or oldest first (undated photos last either way). */
  order = $state<SortOrder>('newest')
  months = $state.raw<MonthGroup[]>([])
  total = $state(0)
  roots = $state.raw<Root[]>([])
  folders = $state.raw<FolderCount[]>([])
  loaded = $state(false)
  /** The grid's roving focus, kept here so it survives opening a photo. */
  focusIndex = $state(0)
  returnFocus = $state(false)
  error = $state<string | null>(null)
  #pages = $state.raw<ReadonlyMap<number, PhotoSummary[]>>(new Map())
  #inflight = new Set<number>()
  #generation = 0
  #refreshTimer: ReturnType<typeof setTimeout> | null = null

  constructor(transport: Transport, announcer: Announcer) {
    this.#t = transport
    this.#announcer = announcer
  }

  photoAt(index: number): PhotoSummary | undefined {
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE]
  }

  /** Index of a photo among the loaded pages, or -1. */
  indexOf(id: number): number {
    for (const [page, items] of this.#pages) {
      const i = items.findIndex((p) => p.id === id)
      if (i >= 0) return page * PAGE_SIZE + i
    }
    return -1
  }

  /** Make sure photos [start, end) are loaded or loading. */
  ensureRange(start: number, end: number): void {
    const first = Math.max(0, Math.floor(start / PAGE_SIZE))
    const last = Math.floor(Math.max(start, end - 1) / PAGE_SIZE)
    for (let p = first; p <= last; p++) {
      if (p * PAGE_SIZE >= this.total) break
      if (!this.#pages.has(p) && !this.#inflight.has(p)) void this.#loadPage(p, this.#generation)
    }
  }

  async #loadPage(page: number, generation: number): Promise<void> {
    this.#inflight.add(page)
    try {
      const res = await this.#t.call('photos.list', { filter: this.filter, order: this.order, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      if (generation !== this.#generation) return
      const next = new Map(this.#pages)
      next.set(page, res.items)
      this.#pages = next
    } catch (error) {
      this.error = errorMessage(error)
    } finally {
      this.#inflight.delete(page)
    }
  }

  async load(): Promise<void> {
    await this.refresh()
  }

  /** Reload counts and every page currently held; old pages stay visible until new ones arrive. */
  async refresh(): Promise<void> {
    const generation = ++this.#generation
    this.#inflight.clear()
    try {
      const [timeline, roots, folders] = await Promise.all([
        this.#t.call('photos.timeline', { filter: this.filter, order: this.order }),
        this.#t.call('roots.list', {}),
        this.#t.call('folders.counts', {}),
      ])
      if (generation !== this.#generation) return
      this.months = timeline.months
      this.total = timeline.total
      this.roots = roots
      this.folders = folders
      const held = [...this.#pages.keys()].filter((p) => p * PAGE_SIZE < timeline.total)
      const pages = await Promise.all(
        held.map((p) => this.#t.call('photos.list', { filter: this.filter, order: this.order, offset: p * PAGE_SIZE, limit: PAGE_SIZE })),
      )
      if (generation !== this.#generation) return
      const next = new Map<number, PhotoSummary[]>()
      held.forEach((p, i) => next.set(p, pages[i]?.items ?? []))
      this.#pages = next
      this.error = null
      this.loaded = true
    } catch (error) {
      this.error = errorMessage(error)
    }
  }

  /** Coalesce bursts of change events (10,000 files appearing) into one refresh. */
  scheduleRefresh(delayMs = 300): void {
    if (this.#refreshTimer) return
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null
      void this.refresh()
    }, delayMs)
  }

  setOrder(order: SortOrder): void {
    if (order === this.order) return
    this.order = order
    this.focusIndex = 0
    this.#pages = new Map()
    void this.refresh()
  }

  setFilter(filter: PhotoFilter): void {
    this.filter = filter
    // Another set of photos: keyboard focus starts again at its first.
    this.focusIndex = 0
    this.#pages = new Map()
    void this.refresh()
  }

  /** Replace one photo in the loaded pages (after an edit), without a reload. */
  patch(photo: PhotoSummary): void {
    const index = this.indexOf(photo.id)
    if (index < 0) return
    const page = Math.floor(index / PAGE_SIZE)
    const items = [...(this.#pages.get(page) ?? [])]
    items[index % PAGE_SIZE] = photo
    const next = new Map(this.#pages)
    next.set(page, items)
    this.#pages = next
  }

  async addRoot(path: string): Promise<boolean> {
    try {
      const root = await this.#t.call('roots.add', { path })
      this.#announcer.say(`Added ${root.path}. Photos there will be captioned in the background.`)
      await this.refresh()
      return true
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
      return false
    }
  }

  async removeRoot(id: number): Promise<void> {
    try {
      const path = this.roots.find((r) => r.id === id)?.path
      await this.#t.call('roots.remove', { id })
      this.#announcer.say(`Stopped watching ${path ?? 'the folder'}. Its captions are kept.`)
      await this.refresh()
    } catch (error) {
      this.error = errorMessage(error)
    }
  }

  async setExclusions(id: number, patterns: string[]): Promise<void> {
    try {
      await this.#t.call('roots.setExclusions', { id, patterns })
      await this.refresh()
    } catch (error) {
      this.error = errorMessage(error)
    }
  }
}
