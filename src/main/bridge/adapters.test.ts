// Every method of the API table is reachable through every adapter, and every
// event arrives through every adapter: Electron IPC (main handlers + preload +
// renderer transport) and HTTP/WebSocket (bridge + renderer transport).
//
// Electron cannot run here, so the IPC test uses a TEST DOUBLE for Electron's
// ipcMain/ipcRenderer pair (`FakeIpc` below): a channel map with the same
// handle/invoke/on/send semantics, cloning values as Electron's structured
// clone does. The code under test (registerIpcHandlers, createPreloadApi,
// createIpcTransport) is the production code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { eventNames, methodNames, type MethodName } from '../../shared/api.ts'
import { sampleInputs, sampleOutputs, samplePayloads } from '../../shared/api-samples.ts'
import { EventBus } from '../../shared/events.ts'
import { createHttpTransport, type HttpTransport } from '../../shared/transport/http-client.ts'
import { createIpcTransport } from '../../shared/transport/ipc-client.ts'
import type { Transport } from '../../shared/types.ts'
import { createPreloadApi, type IpcRendererLike } from '../../preload/api.ts'
import { forwardEvents, registerIpcHandlers, type IpcMainLike, type InvokeEventLike } from '../electron/ipc.ts'
import { createDispatcher, type Handlers } from '../app/dispatcher.ts'
import { startHttpBridge, type HttpBridge } from './http-bridge.ts'

/** Handlers that record which method ran and answer with the sample output. */
function recordingHandlers(calls: MethodName[]): Handlers {
  const entries = methodNames.map((m) => [
    m,
    (input: unknown) => {
      calls.push(m)
      void input
      return sampleOutputs[m]
    },
  ])
  return Object.fromEntries(entries) as Handlers
}

/** Test double for Electron's ipcMain + ipcRenderer + webContents.send. */
class FakeIpc {
  handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>()
  listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>()
  frame: InvokeEventLike['senderFrame'] = { url: 'photocap-app://app/index.html', parent: null }

  main: IpcMainLike = {
    handle: (channel, listener) => {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      this.handlers.set(channel, listener)
    },
    removeHandler: (channel) => void this.handlers.delete(channel),
  }
  renderer: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      const h = this.handlers.get(channel)
      if (!h) throw new Error(`No handler registered for '${channel}'`)
      return structuredClone(await h({ senderFrame: this.frame }, ...args.map((a) => structuredClone(a))))
    },
    on: (channel, listener) => {
      let set = this.listeners.get(channel)
      if (!set) this.listeners.set(channel, (set = new Set()))
      set.add(listener)
    },
    removeListener: (channel, listener) => this.listeners.get(channel)?.delete(listener),
  }
  send = (channel: string, payload: unknown): void => {
    for (const l of this.listeners.get(channel) ?? []) l({}, structuredClone(payload))
  }
}

async function expectEveryMethod(transport: Transport, calls: MethodName[]): Promise<void> {
  for (const method of methodNames) {
    calls.length = 0
    const out = await transport.call(method, sampleInputs[method] as never)
    expect(calls, method).toEqual([method])
    expect(out, method).toEqual(sampleOutputs[method])
  }
}

async function expectEveryEvent(transport: Transport, bus: EventBus): Promise<void> {
  for (const event of eventNames) {
    const got = new Promise<unknown>((resolve) => {
      const off = transport.on(event, (p) => {
        off()
        resolve(p)
      })
    })
    bus.emit(event, samplePayloads[event] as never)
    expect(await got, event).toEqual(samplePayloads[event])
  }
}

describe('Electron IPC adapter (with a test double for Electron IPC)', () => {
  const calls: MethodName[] = []
  const bus = new EventBus()
  const ipc = new FakeIpc()
  registerIpcHandlers(ipc.main, createDispatcher(recordingHandlers(calls)), (url) => url.startsWith('photocap-app://app/'))
  forwardEvents(bus, ipc.send)
  const transport = createIpcTransport(createPreloadApi(ipc.renderer))

  it('registers one channel per method of the table', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(methodNames.map((m) => `api:${m}`).sort())
  })
  it('reaches every method', async () => {
    await expectEveryMethod(transport, calls)
  })
  it('delivers every event', async () => {
    await expectEveryEvent(transport, bus)
  })
  it('refuses input that fails its schema, in the main process, with a clear error', async () => {
    const api = createPreloadApi(ipc.renderer)
    const reply = await api.invoke('photos.get', { id: '../../etc/passwd' })
    expect(reply).toEqual({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/^photos\.get: invalid input: id: .*number/) } })
    expect(await api.invoke('photos.get', { id: 1, extra: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('extra') },
    })
  })
  it('refuses names outside the table in the preload', async () => {
    const api = createPreloadApi(ipc.renderer)
    expect(await api.invoke('fs.readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'unknown_method' } })
    expect(() => api.on('secret.leaked', () => undefined)).toThrow(/unknown event/)
  })
  it('refuses calls from other frames', async () => {
    const saved = ipc.frame
    try {
      ipc.frame = { url: 'https://evil.example/', parent: null }
      await expect(transport.call('roots.list', {})).rejects.toMatchObject({ code: 'forbidden' })
      ipc.frame = { url: 'photocap-app://app/index.html', parent: {} }
      await expect(transport.call('roots.list', {})).rejects.toMatchObject({ code: 'forbidden' })
    } finally {
      ipc.frame = saved
    }
  })
})

describe('HTTP + WebSocket adapter', () => {
  const calls: MethodName[] = []
  const bus = new EventBus()
  let bridge: HttpBridge
  let transport: HttpTransport

  beforeAll(async () => {
    bridge = await startHttpBridge({ dispatcher: createDispatcher(recordingHandlers(calls)), events: bus, images: async () => null, staticDir: null, port: 0 })
    transport = createHttpTransport({ origin: bridge.origin, token: bridge.token, WebSocket: WebSocket as never })
    await transport.ready
  })
  afterAll(async () => {
    transport.close()
    await bridge.close()
  })

  it('reaches every method', async () => {
    await expectEveryMethod(transport, calls)
  })
  it('delivers every event', async () => {
    await expectEveryEvent(transport, bus)
  })
  it('the client refuses bad input before sending it', async () => {
    calls.length = 0
    await expect(transport.call('captions.set', { photoId: 1, text: '' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('captions.set: invalid input: text'),
    })
    expect(calls).toEqual([])
  })
})
