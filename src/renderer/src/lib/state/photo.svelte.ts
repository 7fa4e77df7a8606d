// The photo view: one photo's details, the caption being edited, and the
// actions on it. Saving writes a `user` caption; regenerate and restore ask the
// engine, which never overwrites a user caption by itself. What is typed is
// kept as a draft per photo (drafts.ts) until it is saved or discarded, so
// leaving, reloading or losing the server never loses it.
import type { DecodeOptions, PhotoDetail, PhotoSummary, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'
import type { LibraryState } from './library.svelte.ts'
import type { ConnectionState } from './connection.svelte.ts'
import { Drafts } from './drafts.ts'

export class PhotoState {
  #t: Transport
  #announcer: Announcer
  #library: LibraryState
  #connection: ConnectionState | null
  readonly drafts: Drafts
  id = $state<number | null>(null)
  detail = $state.raw<PhotoDetail | null>(null)
  #draft = $state('')
  /** When the draft now in the editor was typed, if it came back from an earlier visit. */
  restoredDraftAt = $state<number | null>(null)
  busy = $state<null | 'saving' | 'regenerating' | 'restoring'>(null)
  error = $state<string | null>(null)
  previous = $state<number | null>(null)
  next = $state<number | null>(null)
  /** When opened from a list that is not the library (search results): ‹ › move within it, in its order. */
  #within: readonly number[] | null = null
  dirty = $derived(this.detail !== null && this.draft.trim() !== (this.detail.caption ?? '').trim() && this.draft.trim() !== '')
  #seq = 0

  constructor(transport: Transport, announcer: Announcer, library: LibraryState, options: { connection?: ConnectionState; drafts?: Drafts } = {}) {
    this.#t = transport
    this.#announcer = announcer
    this.#library = library
    this.#connection = options.connection ?? null
    this.drafts = options.drafts ?? new Drafts()
  }

  get draft(): string {
    return this.#draft
  }

  /** The editor's text; every change is kept as this photo's draft unless it equals the saved caption. */
  set draft(text: string) {
    this.#draft = text
    const id = this.id
    if (id === null || this.detail?.id !== id) return
    const saved = this.detail.caption ?? ''
    if (text.trim() === saved.trim()) {
      this.drafts.clear(id)
      this.restoredDraftAt = null
    } else this.drafts.set(id, text, saved)
  }

  /** Open a photo; `within` the list it was opened from (search results), else the library order applies. */
  async open(id: number, options: { within?: readonly number[] } = {}): Promise<void> {
    const seq = ++this.#seq
    this.id = id
    this.error = null
    this.#within = options.within && options.within.includes(id) ? [...options.within] : null
    const within = this.#within
    try {
      const [detail, nb] = await Promise.all([
        this.#t.call('photos.get', { id }),
        within
          ? Promise.resolve(neighboursIn(within, id))
          : this.#t.call('photos.neighbours', { id, filter: this.#library.filter, order: this.#library.order }),
      ])
      if (seq !== this.#seq) return
      this.#show(detail)
      this.previous = nb.previous
      this.next = nb.next
    } catch (error) {
      if (seq === this.#seq) this.error = errorMessage(error)
    }
  }

  close(): void {
    if (this.dirty) this.#announcer.say('Your unsaved caption is kept as a draft; it comes back when you open this photo again.')
    this.#seq++
    this.id = null
    this.#within = null
    this.detail = null
    this.#draft = ''
    this.restoredDraftAt = null
    this.error = null
  }

  async go(direction: 'previous' | 'next'): Promise<boolean> {
    const target = direction === 'next' ? this.next : this.previous
    if (target === null) return false
    await this.open(target, this.#within ? { within: this.#within } : {})
    return true
  }

  /** Reload after the engine changed this photo (caption arrived, status changed) unless mid-edit. */
  async reloadIfShowing(ids: number[]): Promise<void> {
    if (this.id === null || !ids.includes(this.id) || this.dirty || this.busy) return
    try {
      const detail = await this.#t.call('photos.get', { id: this.id })
      if (detail.id === this.id && !this.dirty) this.#show(detail)
    } catch {
      // The grid shows the photo's state; a failed background refresh is not worth an error here.
    }
  }

  #show(detail: PhotoDetail): void {
    this.detail = detail
    const kept = this.drafts.get(detail.id)
    if (kept && kept.text.trim() !== (detail.caption ?? '').trim()) {
      this.#draft = kept.text
      this.restoredDraftAt = kept.at
    } else {
      if (kept) this.drafts.clear(detail.id)
      this.#draft = detail.caption ?? ''
      this.restoredDraftAt = null
    }
    const { paths: _p, captionInfo: _c, history: _h, hasAutoCaption: _a, exif: _e, sizeBytes: _s, ...summary } = detail
    this.#library.patch(summary as PhotoSummary)
  }

  async #run(kind: 'saving' | 'regenerating' | 'restoring', action: () => Promise<unknown>, done: string): Promise<void> {
    if (this.id === null || this.busy) return
    const id = this.id
    this.busy = kind
    this.error = null
    try {
      await action()
      const detail = await this.#t.call('photos.get', { id })
      if (this.id === id) this.#show(detail)
      this.#announcer.say(done)
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
    } finally {
      this.busy = null
    }
  }

  /** Edits are refused while the server cannot be reached; the draft stays on this device. */
  get offline(): boolean {
    return this.#connection !== null && !this.#connection.online
  }

  save(): Promise<void> {
    const text = this.draft.trim()
    const id = this.id
    if (id === null || text === '') return Promise.resolve()
    if (this.offline) return Promise.resolve(this.#refuse())
    return this.#run(
      'saving',
      async () => {
        await this.#t.call('captions.set', { photoId: id, text })
        this.drafts.clear(id)
      },
      'Caption saved as yours.',
    )
  }

  #refuse(): void {
    this.error = 'Not saved: Photocap’s server cannot be reached. Your draft is kept on this device; save again once the connection is back.'
    this.#announcer.alert(this.error)
  }

  regenerate(decoding: Partial<DecodeOptions>): Promise<void> {
    const id = this.id
    if (id === null) return Promise.resolve()
    if (this.offline) return Promise.resolve(this.#refuse())
    return this.#run('regenerating', () => this.#t.call('captions.regenerate', { photoId: id, decoding }), 'New automatic caption written.')
  }

  restore(): Promise<void> {
    const id = this.id
    if (id === null) return Promise.resolve()
    if (this.offline) return Promise.resolve(this.#refuse())
    return this.#run('restoring', () => this.#t.call('captions.restore', { photoId: id }), 'Automatic caption restored.')
  }

  /** Throw the draft away: the saved caption comes back. */
  discard(): void {
    if (this.id !== null) this.drafts.clear(this.id)
    this.#draft = this.detail?.caption ?? ''
    this.restoredDraftAt = null
    this.#announcer.say('Draft discarded.')
  }

  /** A photo's name and details, for a view that names it (e.g. "Photos like …" from an address). */
  summaryOf(id: number): Promise<PhotoDetail> {
    return this.#t.call('photos.get', { id })
  }

  /** Reopen after the link came back, when the photo could not be loaded before. */
  retryIfFailed(): void {
    if (this.id !== null && this.detail === null) void this.open(this.id)
  }
}

/** The photos before and after `id` in a list. */
export function neighboursIn(list: readonly number[], id: number): { previous: number | null; next: number | null } {
  const i = list.indexOf(id)
  if (i < 0) return { previous: null, next: null }
  return { previous: list[i - 1] ?? null, next: list[i + 1] ?? null }
}
