// The renderer's transport for `photocap serve`: calls are POST /api/<method>
// with the session token, events arrive over one WebSocket (token in its URL,
// since a browser cannot set headers on the upgrade), images are
// /img/<kind>/<id>?token=... . The socket reconnects with backoff.
import type { MethodName } from '../api.ts'
import { EventBus } from '../events.ts'
import type { Transport } from '../types.ts'
import { ApiError } from '../errors.ts'
import { deliverEvent, parseInput, parseReply } from './client-core.ts'

export const tokenHeader = 'x-photocap-token'

interface SocketLike {
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: unknown) => void) | null
  onopen: ((ev: unknown) => void) | null
  close(): void
}

export interface HttpTransportOptions {
  /** e.g. http://127.0.0.1:4123 */
  origin: string
  token: string
  fetch?: typeof fetch
  WebSocket?: new (url: string) => SocketLike
  /** Called when the event socket (re)connects, so state can refresh what it missed. */
  onReconnect?: () => void
}

export interface HttpTransport extends Transport {
  close(): void
  /** Resolves once the event socket is open (tests and start-up use it). */
  ready: Promise<void>
}

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const Ws = options.WebSocket ?? (globalThis.WebSocket as unknown as new (url: string) => SocketLike)
  const bus = new EventBus()
  const wsUrl = `${options.origin.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(options.token)}`
  let socket: SocketLike | null = null
  let closed = false
  let delay = 250
  let opened = false
  const connectionListeners = new Set<(open: boolean) => void>()
  const tellConnection = (open: boolean): void => {
    for (const l of connectionListeners) l(open)
  }
  let resolveReady!: () => void
  const ready = new Promise<void>((r) => (resolveReady = r))

  const connect = (): void => {
    if (closed) return
    const s = new Ws(wsUrl)
    socket = s
    s.onopen = () => {
      delay = 250
      resolveReady()
      if (opened) options.onReconnect?.()
      opened = true
      tellConnection(true)
    }
    s.onmessage = (ev) => {
      try {
        const msg = JSON.parse(String(ev.data)) as { event?: unknown; payload?: unknown }
        deliverEvent(bus, msg.event, msg.payload)
      } catch {
        console.warn('ignored a malformed event message')
      }
    }
    s.onclose = () => {
      if (closed) return
      tellConnection(false)
      setTimeout(connect, delay)
      delay = Math.min(delay * 2, 5000)
    }
  }
  connect()

  return {
    ready,
    async call(method, input) {
      const sent = parseInput(method, input)
      let res: Response
      try {
        res = await doFetch(`${options.origin}/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [tokenHeader]: options.token },
          body: JSON.stringify(sent ?? {}),
        })
      } catch (error) {
        throw new ApiError('unavailable', `${method}: the Photocap server cannot be reached (${error instanceof Error ? error.message : String(error)})`)
      }
      let raw: unknown
      try {
        raw = await res.json()
      } catch {
        throw new ApiError('internal', `${method}: the server answered ${res.status} without JSON`)
      }
      return parseReply(method as MethodName, raw) as never
    },
    on(event, handler) {
      return bus.on(event, handler)
    },
    imageUrl(kind, id, version, width) {
      const v = version === undefined ? '' : `&v=${encodeURIComponent(String(version))}`
      const w = width === undefined ? '' : `&w=${Math.round(width)}`
      return `${options.origin}/img/${kind}/${id}?token=${encodeURIComponent(options.token)}${v}${w}`
    },
    onConnection(listener) {
      connectionListeners.add(listener)
      return () => connectionListeners.delete(listener)
    },
    close() {
      closed = true
      socket?.close()
    },
  }
}
