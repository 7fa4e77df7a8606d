// Background work as the Activity view and the status line see it.
import type { Activity, JobKind, JobProgress, OverallProgress, Transport } from '../../../../shared/types.ts'
import { count } from '../format.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'

/** One line for all background work; null when there is none. */
export function progressHeadline(overall: OverallProgress | null, main: JobProgress | null): string | null {
  if (overall) return overall.total === 0 ? `${overall.label}…` : `${overall.label}: ${count(overall.done)} of ${count(overall.total)}`
  if (main) return `${main.label}: ${count(main.done)} of ${count(main.total)}`
  return null
}

export class ActivityState {
  #t: Transport
  #announcer: Announcer
  activity = $state.raw<Activity>({ state: 'idle', jobs: [], failures: [], learning: [] })
  error = $state<string | null>(null)
  /** All photo work as one figure (absent from an older engine: then `main` stands in). */
  overall = $derived(this.activity.overall ?? null)
  busy = $derived(this.overall !== null || this.activity.jobs.some((j) => j.done < j.total))
  /** The most important job for the status line: the one with most left to do. */
  main = $derived([...this.activity.jobs].filter((j) => j.done < j.total).sort((a, b) => b.total - b.done - (a.total - a.done))[0] ?? null)
  /** The status line's words: "Preparing 60 new photos: 41 of 60". */
  headline = $derived(progressHeadline(this.overall, this.main))

  constructor(transport: Transport, announcer: Announcer) {
    this.#t = transport
    this.#announcer = announcer
  }

  async load(): Promise<void> {
    try {
      this.update(await this.#t.call('jobs.activity', {}))
    } catch (error) {
      this.error = errorMessage(error)
    }
  }

  update(next: Activity): void {
    const wasBusy = this.busy
    const wasState = this.activity.state
    this.activity = next
    const main = this.main
    const overall = this.overall
    if (next.state !== wasState && next.state === 'paused') this.#announcer.progress('Background work paused.', true)
    else if (overall) this.#announcer.progress(`${this.headline}.`, !wasBusy)
    else if (main) this.#announcer.progress(`${main.label}: ${main.done} of ${main.total} done.`, !wasBusy)
    else if (wasBusy) this.#announcer.progress('All photos are processed.', true)
  }

  async #do(action: () => Promise<unknown>): Promise<void> {
    try {
      await action()
      await this.load()
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
    }
  }

  pause = (): Promise<void> => this.#do(() => this.#t.call('jobs.pause', {}))
  resume = (): Promise<void> => this.#do(() => this.#t.call('jobs.resume', {}))
  cancel = (kind?: JobKind): Promise<void> => this.#do(() => this.#t.call('jobs.cancel', kind ? { kind } : {}))
  retry = (photoIds?: number[]): Promise<void> =>
    this.#do(async () => {
      const r = await this.#t.call('jobs.retry', photoIds ? { photoIds } : {})
      this.#announcer.say(`${r.queued} ${r.queued === 1 ? 'photo' : 'photos'} queued again.`)
    })
}
