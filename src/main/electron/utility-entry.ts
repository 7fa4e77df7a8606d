// The child side of [Note: child processes in the desktop app]: Electron gives
// a utility process `process.parentPort` instead of Node's IPC channel; map it
// onto process.send, process.on('message'), process.connected and
// 'disconnect', then load the child's module, which is the same one the CLI
// and `photocap serve` fork under Node.
import { UTILITY_DISCONNECT } from './utility-process.ts'

type ParentPort = { on(event: 'message', listener: (e: { data: unknown }) => void): void; postMessage(message: unknown): void }

export async function runAsUtilityChild(name: string, load: () => Promise<unknown>): Promise<void> {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort
  if (!port) throw new Error(`${name} runs only inside an Electron utility process`)
  let connected = true
  Object.defineProperty(process, 'connected', { configurable: true, get: () => connected })
  const send = (message: unknown): boolean => {
    if (!connected) return false
    port.postMessage(message)
    return true
  }
  ;(process as unknown as { send: typeof send }).send = send
  // A utility process has no channel to close: the parent's adapter posts a
  // disconnect message instead, which the child sees as Node's 'disconnect'.
  const deliver = (data: unknown): void => {
    if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === UTILITY_DISCONNECT) {
      if (!connected) return
      connected = false
      process.emit('disconnect' as never)
    } else if (connected) process.emit('message' as never, data as never)
  }
  // The parent sends its first message right after forking; hold messages
  // until the child module has registered its listeners.
  let loaded = false
  const early: unknown[] = []
  port.on('message', (e) => (loaded ? deliver(e.data) : early.push(e.data)))
  await load()
  loaded = true
  for (const data of early.splice(0)) deliver(data)
}
