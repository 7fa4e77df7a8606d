// "Learn my style": how many user captions there are, the live run, the model
// versions and their scores, activate/revert.
import type { TrainingInfo, TrainingOptions, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'

export class TrainingState {
  #t: Transport
  #announcer: Announcer
  info = $state.raw<TrainingInfo | null>(null)
  error = $state<string | null>(null)
  enoughData = $derived(this.info !== null && this.info.userCaptions >= this.info.minimumCaptions)
  running = $derived(this.info?.run?.state === 'running' || this.info?.run?.state === 'paused')

  constructor(transport: Transport, announcer: Announcer) {
    this.#t = transport
    this.#announcer = announcer
  }

  async load(): Promise<void> {
    try {
      this.info = await this.#t.call('training.info', {})
    } catch (error) {
      this.error = errorMessage(error)
    }
  }

  update(info: TrainingInfo): void {
    const before = this.info?.run?.state
    this.info = info
    const run = info.run
    if (run && run.state !== before) {
      if (run.state === 'done') this.#announcer.say('Training finished. Compare the new model and activate it if you like it.')
      else if (run.state === 'failed') this.#announcer.alert(`Training failed: ${run.error ?? 'unknown reason'}`)
    } else if (run?.state === 'running') {
      this.#announcer.progress(`Training step ${run.step} of ${run.totalSteps}.`)
    }
  }

  async #do(action: () => Promise<unknown>, said?: string): Promise<void> {
    try {
      await action()
      this.info = await this.#t.call('training.info', {})
      this.error = null
      if (said) this.#announcer.say(said)
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
    }
  }

  start = (options: TrainingOptions): Promise<void> => this.#do(() => this.#t.call('training.start', options), 'Training started.')
  pause = (): Promise<void> => this.#do(() => this.#t.call('training.pause', {}), 'Training paused.')
  resume = (): Promise<void> => this.#do(() => this.#t.call('training.resume', {}), 'Training resumed.')
  cancel = (): Promise<void> => this.#do(() => this.#t.call('training.cancel', {}), 'Training cancelled.')
  activate = (versionId: string): Promise<void> => this.#do(() => this.#t.call('training.activate', { versionId }), 'Model version activated.')
  setContinuous = (enabled: boolean): Promise<void> =>
    this.#do(
      () => this.#t.call('training.continuous', { enabled }),
      enabled ? 'Keep learning from my corrections: on.' : 'Keep learning from my corrections: off.',
    )
}
