// The part every renderer transport shares: check the input before it leaves,
// check the output and events when they arrive (the page trusts the backend no
// more than the backend trusts the page), and turn error envelopes into ApiError.
import { events, isEventName, isMethodName, methods, type EventName, type MethodName } from '../api.ts'
import { ApiError, describeSchemaError, readEnvelope } from '../errors.ts'
import { EventBus } from '../events.ts'

export function parseInput(method: string, input: unknown): unknown {
  if (!isMethodName(method)) throw new ApiError('unknown_method', `unknown method '${method}'`)
  const parsed = methods[method].input.safeParse(input)
  if (!parsed.success) throw new ApiError('invalid_input', describeSchemaError(method, 'input', parsed.error))
  // Send what the caller wrote, not the parsed form: the receiver parses again
  // and fills defaults itself.
  return input
}

export function parseReply(method: MethodName, raw: unknown): unknown {
  const envelope = readEnvelope(raw, method)
  if (!envelope.ok) throw envelope.error
  const parsed = methods[method].output.safeParse(envelope.value)
  if (!parsed.success) throw new ApiError('invalid_output', describeSchemaError(method, 'output', parsed.error))
  return parsed.data
}

/** Validate an incoming event and hand it to the bus; malformed events are dropped loudly. */
export function deliverEvent(bus: EventBus, name: unknown, payload: unknown): void {
  if (!isEventName(name)) {
    console.warn(`ignored unknown event '${String(name)}'`)
    return
  }
  const parsed = events[name].safeParse(payload)
  if (!parsed.success) {
    console.warn(describeSchemaError(name, 'payload', parsed.error))
    return
  }
  bus.emit(name as EventName, parsed.data as never)
}
