// Whether the backend can be reached, as one state the whole app shows:
//   online         calls and events flow;
//   offline        the server does not answer (stopped, asleep, network gone):
//                  the app keeps trying by itself and refuses edits visibly;
//   session-ended  a server answers but refuses this page's session token: it
//                  was restarted and printed a new address, which the person
//                  has to open (a page cannot learn the new token by itself);
//   restarting     the desktop app's engine process died and is being started
//                  again (the `engine.state` event): like offline, edits wait,
//                  and it clears by itself when the engine answers.
// Evidence comes from two places: the event socket opening or closing, and
// every call's outcome (a call that cannot reach the server, or one refused for
// its token). `watch` wraps the transport so no state module has to know.
import type { Transport } from '../../../../shared/types.ts'
import { ApiError } from '../../../../shared/errors.ts'

export type ConnectionStatus = 'online' | 'offline' | 'session-ended' | 'restarting'

/** The bridge's refusal of a page whose token belongs to an earlier run. */
const isStaleSession = (error: unknown): boolean => error instanceof ApiError && error.code === 'forbidden' && /session token/i.test(error.message)
const isUnreachable = (error: unknown): boolean => error instanceof ApiError && error.code === 'unavailable'

export class ConnectionState {
  status = $state<ConnectionStatus>('online')
  /** When the link was lost (ms since epoch), for "offline since". */
  since = $state<number | null>(null)
  readonly online = $derived(this.status === 'online')
  #probe: (() => Promise<unknown>) | null = null
  #probing = false
  #onBack: (() => void) | null = null

  /**
   * Wrap a transport so every call reports what it learned about the link.
   * `probe` is a cheap call used to tell "down" from "restarted with a new
   * token" when the event socket drops; `onBack` runs when the link returns.
   */
  watch(transport: Transport, options: { probe: (t: Transport) => Promise<unknown>; onBack: () => void }): Transport {
    const watched: Transport = {
      call: async (method, input) => {
        try {
          const value = await transport.call(method, input)
          this.#reached()
          return value
        } catch (error) {
          this.#learn(error)
          throw error
        }
      },
      on: (event, handler) => transport.on(event, handler),
      imageUrl: (kind, id, version, width) => transport.imageUrl(kind, id, version, width),
    }
    this.#probe = () => options.probe(watched)
    this.#onBack = options.onBack
    transport.onConnection?.((open) => (open ? this.#reached() : void this.check()))
    return watched
  }

  /** Ask the server whether it is there (after the socket dropped); the answer updates the state. */
  async check(): Promise<void> {
    if (!this.#probe || this.#probing || this.status === 'session-ended') return
    this.#probing = true
    try {
      await this.#probe()
    } catch {
      // #learn has already recorded what the failure means.
    } finally {
      this.#probing = false
    }
  }

  /** What a failed call says about the link; other failures (bad input, not found) say nothing. */
  #learn(error: unknown): void {
    if (isStaleSession(error)) {
      this.status = 'session-ended'
      this.since ??= Date.now()
    } else if (isUnreachable(error) && this.status === 'online') {
      this.status = 'offline'
      this.since = Date.now()
    }
  }

  /** What the desktop app says of its engine process: restarting after a crash, or running again. */
  engine(state: 'running' | 'restarting'): void {
    if (state === 'restarting') {
      if (this.status === 'session-ended') return
      if (this.status === 'online') this.since = Date.now()
      this.status = 'restarting'
    } else if (this.status === 'restarting') {
      this.status = 'online'
      this.since = null
      this.#onBack?.()
    }
  }

  #reached(): void {
    if (this.status !== 'offline') return
    this.status = 'online'
    this.since = null
    this.#onBack?.()
  }
}

/** The sentence shown (and announced) for a state, one place for the wording. */
export function connectionMessage(status: ConnectionStatus): string {
  if (status === 'offline') return 'Photocap’s server is not answering. Trying again by itself; your caption drafts are kept on this device.'
  if (status === 'restarting')
    return 'Photocap’s engine stopped unexpectedly and is starting again. This clears by itself in a moment; your caption drafts are kept on this device and saving waits until it is back.'
  if (status === 'session-ended')
    return 'Photocap was restarted, so this page’s session has ended. Open the new address that photocap serve printed when it started (it contains a new session key). Unsaved caption drafts are kept on this device and come back when you open the same photo.'
  return ''
}
