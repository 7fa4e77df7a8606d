// Settings and model packs: decoding, execution provider (and the one in use),
// worker threads, pack install with progress and cancel.
import type { ModelsInfo, Settings, SettingsPatch, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'

export class SettingsState {
  #t: Transport
  #announcer: Announcer
  settings = $state.raw<Settings | null>(null)
  models = $state.raw<ModelsInfo | null>(null)
  error = $state<string | null>(null)
  saved = $state(false)
  installing = $derived(this.models?.install?.state === 'running')

  constructor(transport: Transport, announcer: Announcer) {
    this.#t = transport
    this.#announcer = announcer
  }

  async load(): Promise<void> {
    try {
      const [settings, models] = await Promise.all([this.#t.call('settings.get', {}), this.#t.call('models.info', {})])
      this.settings = settings
      this.models = models
    } catch (error) {
      this.error = errorMessage(error)
    }
  }

  async update(patch: SettingsPatch): Promise<void> {
    try {
      this.settings = await this.#t.call('settings.update', patch)
      this.error = null
      this.saved = true
      this.#announcer.say('Settings saved.')
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
    }
  }

  updateModels(info: ModelsInfo): void {
    const before = this.models?.install?.state
    this.models = info
    const install = info.install
    if (install && install.state !== before) {
      if (install.state === 'done') this.#announcer.say('Model pack installed.')
      else if (install.state === 'failed') this.#announcer.alert(`Install failed: ${install.error ?? 'unknown reason'}`)
      else if (install.state === 'cancelled') this.#announcer.say('Install cancelled.')
    }
  }

  async #do(action: () => Promise<unknown>): Promise<void> {
    try {
      await action()
      this.models = await this.#t.call('models.info', {})
      this.settings = await this.#t.call('settings.get', {})
      this.error = null
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
    }
  }

  install = (packId: string): Promise<void> => this.#do(() => this.#t.call('models.install', { packId }))
  cancelInstall = (): Promise<void> => this.#do(() => this.#t.call('models.cancelInstall', {}))
  activate = (packId: string): Promise<void> => this.#do(() => this.#t.call('models.activate', { packId }))
}
