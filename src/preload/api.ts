// What the preload exposes as `window.api`: a generic invoke over the table's
// method names and a generic event subscription. It refuses names that are not
// in the table, never hands the page the raw ipcRenderer or the IPC event object.
import { isEventName, isMethodName } from '../shared/api.ts'
import { eventChannel, methodChannel, type PreloadApi } from '../shared/transport/ipc-channels.ts'

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export function createPreloadApi(ipcRenderer: IpcRendererLike): PreloadApi {
  return {
    invoke(method, input) {
      if (!isMethodName(method))
        return Promise.resolve({ ok: false, error: { code: 'unknown_method', message: `unknown method '${String(method).slice(0, 100)}'` } })
      return ipcRenderer.invoke(methodChannel(method), input)
    },
    on(event, handler) {
      if (!isEventName(event)) throw new Error(`unknown event '${String(event).slice(0, 100)}'`)
      const listener = (_event: unknown, payload: unknown): void => handler(payload)
      ipcRenderer.on(eventChannel(event), listener)
      return () => void ipcRenderer.removeListener(eventChannel(event), listener)
    },
  }
}
