// Picks the renderer's transport: the preload's `window.api` inside Electron,
// fetch + WebSocket with the session token under `photocap serve`. Only the
// state modules use what this returns.
import { createHttpTransport } from '../../../shared/transport/http-client.ts'
import { createIpcTransport } from '../../../shared/transport/ipc-client.ts'
import type { PreloadApi } from '../../../shared/transport/ipc-channels.ts'
import type { Transport } from '../../../shared/types.ts'

const tokenKey = 'photocap.token'

/**
 * The session token arrives in the address `photocap serve` printed. Take it out
 * of the address bar and history at once (history.replaceState) and keep it in
 * this tab's sessionStorage, so a reload still has it and no screenshot,
 * shoulder or synced history shows it.
 */
export function takeSessionToken(win: Pick<Window, 'location' | 'history' | 'sessionStorage'>): string {
  const url = new URL(win.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl !== null) {
    try {
      win.sessionStorage.setItem(tokenKey, fromUrl)
    } catch {
      // Storage disabled: the token still lives in memory for this page.
    }
    url.searchParams.delete('token')
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash)
    return fromUrl
  }
  try {
    return win.sessionStorage.getItem(tokenKey) ?? ''
  } catch {
    return ''
  }
}

export function pickTransport(onReconnect?: () => void): Transport {
  const bridge = (window as unknown as { api?: PreloadApi }).api
  if (bridge) return createIpcTransport(bridge)
  const token = takeSessionToken(window)
  return createHttpTransport({ origin: window.location.origin, token, ...(onReconnect ? { onReconnect } : {}) })
}
