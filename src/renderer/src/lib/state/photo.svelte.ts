// The photo view: one photo's details, the caption being edited, and the
// actions on it. Saving writes a `user` caption; regenerate and restore ask the
// engine, which never overwrites a user caption by itself.
import type { DecodeOptions, PhotoDetail, PhotoSummary, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'
import type { LibraryState } from './library.svelte.ts'

export class PhotoState {
  #t: Transport
  #announcer: Announcer
  #library: LibraryState
  id = $state<number | null>(null)
  detail = $state.raw<PhotoDetail | null>(null)
  draft = $state('')
  busy = $state<null | 'saving' | 'regenerating' | 'restoring'>(null)
  error = $state<string | null>(null)
  previous = $state<number | null>(null)
  next = $state<number | null>(null)
  dirty = $derived(this.detail !== null && this.draft.trim() !== (this.detail.caption ?? '').trim() && this.draft.trim() !== '')
  #seq = 0

  constructor(transport: Transport, announcer: Announcer, library: LibraryState) {
    this.#t = transport
    this.#announcer = announcer
    this.#library = library
  }

  async open(id: number): Promise<void> {
    const seq = ++this.#seq
    this.id = id
    this.error = null
    try {
      const [detail, nb] = await Promise.all([
        this.#t.call('photos.get', { id }),
        this.#t.call('photos.neighbours', { id, filter: this.#library.filter }),
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
    this.#seq++
    this.id = null
    this.detail = null
    this.draft = ''
    this.error = null
  }

  async go(direction: 'previous' | 'next'): Promise<boolean> {
    const target = direction === 'next' ? this.next : this.previous
    if (target === null) return false
    await this.open(target)
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
    this.draft = detail.caption ?? ''
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

  save(): Promise<void> {
    const text = this.draft.trim()
    const id = this.id
    if (id === null || text === '') return Promise.resolve()
    return this.#run('saving', () => this.#t.call('captions.set', { photoId: id, text }), 'Caption saved as yours.')
  }

  regenerate(decoding: Partial<DecodeOptions>): Promise<void> {
    const id = this.id
    if (id === null) return Promise.resolve()
    return this.#run('regenerating', () => this.#t.call('captions.regenerate', { photoId: id, decoding }), 'New automatic caption written.')
  }

  restore(): Promise<void> {
    const id = this.id
    if (id === null) return Promise.resolve()
    return this.#run('restoring', () => this.#t.call('captions.restore', { photoId: id }), 'Automatic caption restored.')
  }

  discard(): void {
    this.draft = this.detail?.caption ?? ''
  }
}
