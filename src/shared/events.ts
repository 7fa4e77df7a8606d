// A typed, multi-subscriber event bus for the API's events.
// The engine side emits into one; each front door (IPC, WebSocket) subscribes
// once with `onAny` and forwards; the renderer's transports keep one for their
// listeners. `on()` returns its own cleanup.
import type { EventName, EventPayload } from './api.ts'

type Handler<E extends EventName> = (payload: EventPayload<E>) => void
type AnyHandler = (event: EventName, payload: unknown) => void

export class EventBus {
  readonly #handlers = new Map<EventName, Set<(payload: never) => void>>()
  readonly #any = new Set<AnyHandler>()

  on<E extends EventName>(event: E, handler: Handler<E>): () => void {
    let set = this.#handlers.get(event)
    if (!set) this.#handlers.set(event, (set = new Set()))
    const h = handler as (payload: never) => void
    set.add(h)
    return () => set.delete(h)
  }

  onAny(handler: AnyHandler): () => void {
    this.#any.add(handler)
    return () => this.#any.delete(handler)
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    // A throwing listener must not stop the others hearing the event.
    for (const h of this.#handlers.get(event) ?? []) {
      try {
        ;(h as Handler<E>)(payload)
      } catch (error) {
        console.error(`listener for ${event} failed:`, error)
      }
    }
    for (const h of this.#any) {
      try {
        h(event, payload)
      } catch (error) {
        console.error(`forwarder for ${event} failed:`, error)
      }
    }
  }

  get listenerCount(): number {
    let n = this.#any.size
    for (const s of this.#handlers.values()) n += s.size
    return n
  }
}
