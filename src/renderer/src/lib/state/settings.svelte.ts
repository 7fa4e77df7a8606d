// Settings and model packs: decoding, execution provider (and the one in use),
// worker threads, pack install with progress and cancel.
import type { ModelsInfo, Settings, SettingsPatch, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'

export interface FieldStatus {
  state: 'saving' | 'saved' | 'error'
  message: string
}

/** A whole number in [min, max], or the sentence saying what is allowed. */
export function checkWholeNumber(raw: string, min: number, max: number, what: string): { value: number } | { error: string } {
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) return { error: `${what} must be a whole number from ${min} to ${max}.` }
  return { value }
}

export class SettingsState {
  #t: Transport
  #announcer: Announcer
  settings = $state.raw<Settings | null>(null)
  models = $state.raw<ModelsInfo | null>(null)
  error = $state<string | null>(null)
  saved = $state(false)
  /** Per control: the outcome of its last change, shown next to it (not at the top, out of view). */
  fieldStatus = $state<Record<string, FieldStatus>>({})
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

  /**
   * Save one control's change and record the outcome under `field`, so the
   * confirmation or the error appears next to that control.
   */
  async update(patch: SettingsPatch, field = 'settings'): Promise<boolean> {
    return this.save(field, async () => {
      this.settings = await this.#t.call('settings.update', patch)
    })
  }

  /** Run a change that throws on failure; say "Saved" or why not, next to `field`. */
  async save(field: string, action: () => Promise<unknown>): Promise<boolean> {
    this.fieldStatus = { ...this.fieldStatus, [field]: { state: 'saving', message: 'Saving…' } }
    try {
      await action()
      this.error = null
      this.saved = true
      this.fieldStatus = { ...this.fieldStatus, [field]: { state: 'saved', message: 'Saved' } }
      this.#announcer.say('Saved.')
      return true
    } catch (error) {
      const message = errorMessage(error)
      this.fieldStatus = { ...this.fieldStatus, [field]: { state: 'error', message: `Not saved: ${message}` } }
      this.#announcer.alert(`Not saved: ${message}`)
      return false
    }
  }

  /** A value the control itself can tell is wrong: refused before asking the server, said next to it. */
  refuse(field: string, message: string): void {
    this.fieldStatus = { ...this.fieldStatus, [field]: { state: 'error', message } }
    this.#announcer.alert(message)
  }

  /** Set a folder's skip patterns; `refresh` reloads the folder list after. */
  saveExclusions(id: number, patterns: string[], refresh: () => Promise<void>): Promise<boolean> {
    return this.save(`exclusions-${id}`, async () => {
      await this.#t.call('roots.setExclusions', { id, patterns })
      await refresh()
    })
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
