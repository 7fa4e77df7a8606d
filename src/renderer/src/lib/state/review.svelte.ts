// The review flow: automatic captions no person has accepted yet (and photos
// that failed), one at a time, in library order under the library's filter.
// Accept marks the caption reviewed (or, when it was edited, saves the edit as
// the person's caption), and moves on; skip and previous move without
// changing anything. The photo itself (detail, draft, save, regenerate) is the
// shared PhotoState, so a draft typed here is the same draft the photo view shows.
import type { PhotoFilter, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'
import type { PhotoState } from './photo.svelte.ts'

export class ReviewState {
  #t: Transport
  #announcer: Announcer
  #photo: PhotoState
  ids = $state.raw<number[]>([])
  reviewed = $state(0)
  total = $state(0)
  index = $state(0)
  loaded = $state(false)
  busy = $state(false)
  error = $state<string | null>(null)
  /** The photo an address asked for, until the review view starts. */
  wanted = $state<number | null>(null)
  readonly current = $derived(this.ids[this.index] ?? null)
  readonly pending = $derived(this.ids.length)
  readonly progressText = $derived(`${this.reviewed.toLocaleString()} of ${this.total.toLocaleString()} reviewed`)

  constructor(transport: Transport, announcer: Announcer, photo: PhotoState) {
    this.#t = transport
    this.#announcer = announcer
    this.#photo = photo
  }

  /** Fetch the queue; the photo being reviewed keeps its place if it is still waiting. */
  async load(filter: PhotoFilter = {}): Promise<void> {
    try {
      const q = await this.#t.call('review.queue', { filter })
      const keep = this.current
      this.ids = q.ids
      this.reviewed = q.reviewed
      this.total = q.total
      const at = keep === null ? -1 : q.ids.indexOf(keep)
      this.index = at >= 0 ? at : Math.min(this.index, Math.max(0, q.ids.length - 1))
      this.loaded = true
      this.error = null
    } catch (error) {
      this.error = errorMessage(error)
    }
  }

  /** Start (or return to) the review, at a given photo when the address names one. */
  async begin(filter: PhotoFilter = {}, at?: number): Promise<void> {
    await this.load(filter)
    if (at !== undefined) {
      const i = this.ids.indexOf(at)
      if (i >= 0) this.index = i
    }
    await this.#show()
  }

  /** Go to a photo of the queue (Back/Forward inside the review). */
  async goTo(id: number): Promise<void> {
    const i = this.ids.indexOf(id)
    if (i < 0) return
    this.index = i
    await this.#show()
  }

  #showing: Promise<void> = Promise.resolve()

  #show(): Promise<void> {
    const id = this.current
    if (id === null) {
      this.#photo.close()
      return Promise.resolve()
    }
    if (this.#photo.id !== id) this.#showing = this.#photo.open(id)
    return this.#showing
  }

  /** Accept what the editor shows: an edit is saved as the person's caption, an untouched automatic caption is marked reviewed. */
  async accept(): Promise<boolean> {
    // A key pressed while the photo is still loading accepts that photo once it shows.
    await this.#showing
    const id = this.current
    if (id === null || this.busy || this.#photo.detail?.id !== id) return false
    this.busy = true
    try {
      if (this.#photo.dirty) {
        await this.#photo.save()
        if (this.#photo.error || this.#photo.dirty) return false
      } else {
        if (this.#photo.offline) {
          await this.#photo.save()
          return false
        }
        await this.#t.call('captions.accept', { photoId: id })
      }
      this.ids = this.ids.filter((x) => x !== id)
      this.reviewed++
      if (this.index >= this.ids.length) this.index = Math.max(0, this.ids.length - 1)
      this.error = null
      this.#announcer.say(
        this.ids.length === 0 ? `Caption accepted. Every caption is reviewed: ${this.progressText}.` : `Caption accepted. ${this.progressText}.`,
      )
      await this.#show()
      return true
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
      return false
    } finally {
      this.busy = false
    }
  }

  /** Move on without accepting; a draft stays with the photo. */
  async skip(): Promise<void> {
    if (this.index >= this.ids.length - 1) {
      this.#announcer.say('This is the last photo waiting for review.')
      return
    }
    this.index++
    await this.#show()
  }

  async previous(): Promise<void> {
    if (this.index <= 0) {
      this.#announcer.say('This is the first photo waiting for review.')
      return
    }
    this.index--
    await this.#show()
  }

  /** Accept the automatic captions of a selection (bulk accept in the library). */
  async acceptMany(photoIds: number[]): Promise<number> {
    if (photoIds.length === 0) return 0
    try {
      const r = await this.#t.call('captions.acceptMany', { photoIds })
      this.#announcer.say(
        `${r.accepted} ${r.accepted === 1 ? 'caption' : 'captions'} accepted as right.${r.accepted < photoIds.length ? ` ${photoIds.length - r.accepted} had no automatic caption to accept.` : ''}`,
      )
      return r.accepted
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
      return 0
    }
  }
}
