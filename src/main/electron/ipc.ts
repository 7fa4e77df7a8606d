// Electron IPC over the API table: one `ipcMain.handle` per method (channel
// names derived from the table), events forwarded to the window, and calls
// accepted only from our own top frame. Written against the small slices of
// Electron's types it uses, so the same code runs in a unit test with a fake
// ipcMain (Electron's binary cannot run on CI).
import { eventNames, methodNames } from '../../shared/api.ts'
import type { EventBus } from '../../shared/events.ts'
import { eventChannel, methodChannel } from '../../shared/transport/ipc-channels.ts'
import type { Envelope } from '../../shared/types.ts'
import type { Dispatcher } from '../app/dispatcher.ts'

/** The part of Electron's IpcMainInvokeEvent we look at. */
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void
  removeHandler(channel: string): void
}

export function registerIpcHandlers(ipcMain: IpcMainLike, dispatcher: Dispatcher, isTrustedFrame: (url: string) => boolean): () => void {
  for (const method of methodNames) {
    ipcMain.handle(methodChannel(method), async (event, input): Promise<Envelope> => {
      // Only our own page, and only its top frame, may call the backend.
      const frame = event.senderFrame
      if (!frame || frame.parent !== null || !isTrustedFrame(frame.url)) {
        return { ok: false, error: { code: 'forbidden', message: `${method}: refused a call from an untrusted frame` } }
      }
      return dispatcher.dispatch(method, input)
    })
  }
  return () => {
    for (const method of methodNames) ipcMain.removeHandler(methodChannel(method))
  }
}

/** Forward every API event to the window (`send` is webContents.send bound to our window). */
export function forwardEvents(bus: EventBus, send: (channel: string, payload: unknown) => void): () => void {
  const known = new Set<string>(eventNames)
  return bus.onAny((event, payload) => {
    if (known.has(event)) send(eventChannel(event), payload)
  })
}
