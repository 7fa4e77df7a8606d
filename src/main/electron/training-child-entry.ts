// Entry of the training utility process (see [Note: training process protocol]
// and [Note: ML in a utility process]): Electron gives a utility process
// `process.parentPort` instead of Node's IPC channel; map it onto process.send,
// process.on('message'), process.connected and 'disconnect', and run the same
// training-child.ts the CLI and `photocap serve` fork under Node.
import { UTILITY_DISCONNECT } from './training-utility.ts'

type ParentPort = { on(event: 'message', listener: (e: { data: unknown }) => void): void; postMessage(message: unknown): void }
const port = (process as unknown as { parentPort?: ParentPort }).parentPort
if (!port) throw new Error('training-child-entry runs only inside an Electron utility process')

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
// The parent sends `start` right after forking; hold messages until the child
// module has registered its listeners.
let loaded = false
const early: unknown[] = []
port.on('message', (e) => (loaded ? deliver(e.data) : early.push(e.data)))
await import('../engine/training/training-child.ts')
loaded = true
for (const data of early.splice(0)) deliver(data)

export {}
