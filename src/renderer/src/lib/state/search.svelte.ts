// Search as you type: each keystroke asks again after a short pause; a reply to
// an older query is dropped. When meaning results are still loading, the word
// results show at once and the query is repeated until meaning arrives.
import type { PhotoFilter, SearchHit, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'

export const MAX_RESULTS = 500

export class SearchState {
  #t: Transport
  #announcer: Announcer
  text = $state('')
  filter = $state.raw<PhotoFilter>({})
  hits = $state.raw<SearchHit[]>([])
  /** When showing "more like this", the photo it started from. */
  similarTo = $state.raw<{ id: number; name: string } | null>(null)
  searching = $state(false)
  meaningPending = $state(false)
  error = $state<string | null>(null)
  active = $derived(this.text.trim() !== '' || this.similarTo !== null)
  /** The query the shown results answer: until it equals the text, "no results" would be a flash, not an answer. */
  answered = $state<string | null>(null)
  readonly settled = $derived(this.similarTo !== null ? !this.searching : this.answered === this.text.trim() && !this.searching)
  /** How many results to ask for; "Show more" raises it (the API answers at most MAX_RESULTS). */
  limit = $state(200)
  readonly canShowMore = $derived(this.hits.length >= this.limit && this.limit < MAX_RESULTS)
  /** The result that has the keyboard (one tab stop for the results; arrows move it). */
  focusIndex = $state(0)
  /** A result to focus when the results show again (the photo opened from them was closed). */
  returnFocusId = $state<number | null>(null)
  #seq = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  debounceMs = 150

  constructor(transport: Transport, announcer: Announcer) {
    this.#t = transport
    this.#announcer = announcer
  }

  setText(text: string): void {
    if (text.trim() !== this.text.trim()) this.limit = 200
    this.text = text
    this.similarTo = null
    this.#schedule(this.debounceMs)
  }

  setFilter(filter: PhotoFilter): void {
    this.filter = filter
    if (this.text.trim()) this.#schedule(0)
  }

  clear(): void {
    this.#seq++
    this.focusIndex = 0
    this.returnFocusId = null
    this.text = ''
    this.similarTo = null
    this.hits = []
    this.answered = null
    this.searching = false
    this.meaningPending = false
  }

  /** Ask for the next results (the best 200 first, then up to MAX_RESULTS). */
  showMore(): void {
    this.limit = Math.min(MAX_RESULTS, this.limit + 200)
    if (this.similarTo) void this.similar(this.similarTo)
    else this.#schedule(0)
  }

  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.run()
    }, ms)
  }

  async run(): Promise<void> {
    const text = this.text.trim()
    const seq = ++this.#seq
    if (!text) {
      this.hits = []
      this.searching = false
      return
    }
    this.searching = true
    try {
      const res = await this.#t.call('search.query', { text, filter: this.filter, limit: this.limit })
      if (seq !== this.#seq) return
      this.hits = res.hits
      this.answered = text
      this.meaningPending = res.meaningPending
      this.error = null
      this.#announcer.say(`${res.hits.length} ${res.hits.length === 1 ? 'photo' : 'photos'} found for ${text}.`)
      if (res.meaningPending) this.#schedule(600)
    } catch (error) {
      if (seq === this.#seq) this.error = errorMessage(error)
    } finally {
      if (seq === this.#seq) this.searching = false
    }
  }

  async similar(photo: { id: number; name: string }): Promise<void> {
    const seq = ++this.#seq
    this.text = ''
    this.similarTo = photo
    this.searching = true
    try {
      const res = await this.#t.call('search.similar', { photoId: photo.id, limit: this.limit })
      if (seq !== this.#seq) return
      this.hits = res.hits
      this.error = null
      this.#announcer.say(`${res.hits.length} ${res.hits.length === 1 ? 'photo' : 'photos'} like ${photo.name}.`)
    } catch (error) {
      if (seq === this.#seq) this.error = errorMessage(error)
    } finally {
      if (seq === this.#seq) this.searching = false
    }
  }
}
