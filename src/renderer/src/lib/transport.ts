// Picks the renderer's transport: the preload's `window.api` inside Electron,
// fetch + WebSocket with the session token from the page's URL under
// `photocap serve`. Only the state modules use what this returns.
import { createHttpTransport } from '../../../shared/transport/http-client.ts'
import { createIpcTransport } from '../../../shared/transport/ipc-client.ts'
import type { PreloadApi } from '../../../shared/transport/ipc-channels.ts'
import type { Transport } from '../../../shared/types.ts'

export function pickTransport(onReconnect?: () => void): Transport {
  const bridge = (window as unknown as { api?: PreloadApi }).api
  if (bridge) return createIpcTransport(bridge)
  const token = new URL(window.location.href).searchParams.get('token') ?? ''
  return createHttpTransport({ origin: window.location.origin, token, ...(onReconnect ? { onReconnect } : {}) })
}
