// The renderer's transport in Electron: calls go through the preload's
// `window.api`, one IPC channel per method of the table.
import type { EventName, ImageKind, MethodName } from '../api.ts'
import { eventNames } from '../api.ts'
import { EventBus } from '../events.ts'
import type { PhotoId, Transport } from '../types.ts'
import { deliverEvent, parseInput, parseReply } from './client-core.ts'
import { imageScheme, type PreloadApi } from './ipc-channels.ts'

export function createIpcTransport(bridge: PreloadApi): Transport {
  const bus = new EventBus()
  const subscribed = new Set<EventName>()
  return {
    async call(method, input) {
      const sent = parseInput(method, input)
      const raw = await bridge.invoke(method, sent)
      return parseReply(method as MethodName, raw) as never
    },
    on(event, handler) {
      if (!subscribed.has(event) && eventNames.includes(event)) {
        subscribed.add(event)
        bridge.on(event, (payload) => deliverEvent(bus, event, payload))
      }
      return bus.on(event, handler)
    },
    imageUrl(kind: ImageKind, id: PhotoId, version?: string | number, width?: number) {
      const params = [version === undefined ? '' : `v=${encodeURIComponent(String(version))}`, width === undefined ? '' : `w=${Math.round(width)}`].filter(
        Boolean,
      )
      return `${imageScheme}://${kind}/${id}${params.length ? `?${params.join('&')}` : ''}`
    },
  }
}
