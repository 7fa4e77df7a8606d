// Which screen is showing and what the backend told us about itself.
import type { MethodOutput } from '../../../../shared/api.ts'
import type { Transport } from '../../../../shared/types.ts'
import { errorMessage } from './errors.ts'

export type View = 'library' | 'review' | 'activity' | 'settings' | 'training'
export type AppInfo = MethodOutput<'app.info'>

export class AppState {
  #t: Transport
  info = $state.raw<AppInfo | null>(null)
  view = $state<View>('library')
  showWelcome = $state(false)
  /** A failure the whole app cannot work without (backend unreachable). */
  fatal = $state<string | null>(null)

  constructor(transport: Transport) {
    this.#t = transport
  }

  async load(): Promise<void> {
    try {
      this.info = await this.#t.call('app.info', {})
      this.showWelcome = this.info.firstRun
    } catch (error) {
      this.fatal = errorMessage(error)
    }
  }

  go(view: View): void {
    this.view = view
  }

  async finishWelcome(): Promise<void> {
    await this.#t.call('app.completeWelcome', {})
    this.showWelcome = false
  }

  get imageUrl(): Transport['imageUrl'] {
    return this.#t.imageUrl.bind(this.#t)
  }
}
