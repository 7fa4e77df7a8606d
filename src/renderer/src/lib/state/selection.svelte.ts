// A hand-picked set of library photos (Ctrl/Cmd+click, Space, Shift+click for a
// range), kept by photo id so it survives paging and refreshes of the grid.
// Range selection works on grid indices and resolves them to ids through the
// library's loaded pages; a photo whose page is not loaded yet is skipped.
import type { Announcer } from './announcer.svelte.ts'
import type { LibraryState } from './library.svelte.ts'

export class SelectionState {
  #announcer: Announcer
  #library: LibraryState
  ids = $state.raw<ReadonlySet<number>>(new Set())
  /** Grid index of the last photo toggled: where a Shift range starts. */
  anchor = $state<number | null>(null)
  readonly count = $derived(this.ids.size)

  constructor(announcer: Announcer, library: LibraryState) {
    this.#announcer = announcer
    this.#library = library
  }

  has(id: number): boolean {
    return this.ids.has(id)
  }

  /** In the order they were picked (grid order is unknown for pages not loaded). */
  get photoIds(): number[] {
    return [...this.ids]
  }

  toggle(id: number, index: number): void {
    const next = new Set(this.ids)
    if (!next.delete(id)) next.add(id)
    this.anchor = index
    this.#set(next)
  }

  /** Add every photo from the anchor to `index` (inclusive); without an anchor, just that photo. */
  extendTo(index: number): void {
    const from = this.anchor ?? index
    const next = new Set(this.ids)
    for (let i = Math.min(from, index); i <= Math.max(from, index); i++) {
      const p = this.#library.photoAt(i)
      if (p) next.add(p.id)
    }
    this.anchor = from
    this.#set(next)
  }

  clear(): void {
    if (this.ids.size === 0) return
    this.anchor = null
    this.ids = new Set()
    this.#announcer.say('Selection cleared')
  }

  #set(next: Set<number>): void {
    this.ids = next
    this.#announcer.say(next.size === 0 ? 'Selection cleared' : `${next.size} selected`)
  }
}
