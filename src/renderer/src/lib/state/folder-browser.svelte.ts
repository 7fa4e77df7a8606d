// Choosing a folder: Electron's native dialog when there is one, otherwise a
// folder browser whose listing comes from the backend (`photocap serve` runs
// where the photos are, which may not be the machine the browser is on).
import type { FolderListing, Transport } from '../../../../shared/types.ts'
import { errorMessage } from './errors.ts'

export class FolderBrowserState {
  #t: Transport
  open = $state(false)
  listing = $state.raw<FolderListing | null>(null)
  error = $state<string | null>(null)
  loading = $state(false)
  /** The path field. A listing fills it in only if the person has not typed since asking for it. */
  typed = $state('')
  #resolve: ((path: string | null) => void) | null = null
  // Listings can come back out of order (the home folder asked for on opening
  // may answer after the folder typed since): only the latest request counts.
  #request = 0
  #edits = 0

  constructor(transport: Transport) {
    this.#t = transport
  }

  /** Ask the person for a folder; resolves with its path, or null if they cancel. */
  async choose(native: boolean): Promise<string | null> {
    if (native) {
      try {
        return (await this.#t.call('folders.pick', {})).path
      } catch (error) {
        this.error = errorMessage(error)
      }
    }
    this.open = true
    this.typed = ''
    void this.browse()
    return new Promise((resolve) => (this.#resolve = resolve))
  }

  /** The person typed in the path field. */
  edit(text: string): void {
    this.typed = text
    this.#edits++
  }

  async browse(path?: string): Promise<void> {
    const request = ++this.#request
    const edits = this.#edits
    this.loading = true
    try {
      const listing = await this.#t.call('folders.browse', path === undefined ? {} : { path })
      if (request !== this.#request) return
      this.listing = listing
      if (this.#edits === edits) this.typed = listing.path
      this.error = null
    } catch (error) {
      if (request === this.#request) this.error = errorMessage(error)
    } finally {
      if (request === this.#request) this.loading = false
    }
  }

  /**
   * "Use this folder" with what the field says: a typed path the listing does
   * not show yet is opened first, and only a folder that exists is used. The
   * folder on screen never silently wins over the one typed.
   */
  async useTyped(typed: string = this.typed): Promise<void> {
    const wanted = typed.trim()
    if (wanted !== '' && wanted !== this.listing?.path) {
      await this.browse(wanted)
      if (this.error) return
    }
    if (this.listing) this.finish(this.listing.path)
  }

  finish(path: string | null): void {
    this.open = false
    this.#resolve?.(path)
    this.#resolve = null
  }
}
