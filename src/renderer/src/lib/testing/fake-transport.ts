// A fake backend for renderer component tests: answers every method of the API
// table from overridable handlers (defaults: the shared sample outputs),
// records calls, and lets a test emit events. It stands in for the backend,
// not for any renderer code under test.
import { methods, type EventName, type EventPayload, type MethodInput, type MethodName, type MethodOutput } from '../../../../shared/api.ts'
import { sampleOutputs } from '../../../../shared/api-samples.ts'
import { ApiError, describeSchemaError } from '../../../../shared/errors.ts'
import { EventBus } from '../../../../shared/events.ts'
import type { Transport } from '../../../../shared/types.ts'

type Reply<M extends MethodName> = MethodOutput<M> | ((input: MethodInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>)

export class FakeTransport implements Transport {
  readonly calls: { method: MethodName; input: unknown }[] = []
  readonly #bus = new EventBus()
  readonly #replies = new Map<MethodName, Reply<never>>()
  readonly #connection = new Set<(open: boolean) => void>()
  /** When set, every call fails as if the server could not be reached (or refused the token). */
  down: null | 'unreachable' | 'new-token' = null

  reply<M extends MethodName>(method: M, reply: Reply<M>): this {
    this.#replies.set(method, reply as Reply<never>)
    return this
  }

  callsOf(method: MethodName): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.input)
  }

  async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    // Check input with the real schema, as the real backend would.
    const parsed = methods[method].input.safeParse(input)
    if (!parsed.success) throw new ApiError('invalid_input', describeSchemaError(method, 'input', parsed.error))
    this.calls.push({ method, input })
    if (this.down === 'unreachable') throw new ApiError('unavailable', `${method}: the Photocap server cannot be reached (Failed to fetch)`)
    if (this.down === 'new-token') throw new ApiError('forbidden', 'missing or wrong session token')
    const r = this.#replies.get(method) as Reply<M> | undefined
    const value = r === undefined ? sampleOutputs[method] : typeof r === 'function' ? await (r as (i: MethodInput<M>) => MethodOutput<M>)(input) : r
    return structuredClone(value) as MethodOutput<M>
  }

  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
    return this.#bus.on(event, handler)
  }

  onConnection(listener: (open: boolean) => void): () => void {
    this.#connection.add(listener)
    return () => this.#connection.delete(listener)
  }

  /** Play the event socket opening or closing. */
  socket(open: boolean): void {
    for (const l of this.#connection) l(open)
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.#bus.emit(event, payload)
  }

  imageUrl(kind: string, id: number, _version?: string | number, width?: number): string {
    return `test-img://${kind}/${id}${width === undefined ? '' : `?w=${width}`}`
  }
}
