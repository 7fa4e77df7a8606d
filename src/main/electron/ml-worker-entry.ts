// Entry of the ML utility process (see [Note: ML in a utility process]):
// Electron gives a utility process `process.parentPort` instead of Node's IPC
// channel; map it onto process.send / process.on('message') and run the same
// worker-main.ts the CLI forks.
type ParentPort = { on(event: 'message', listener: (e: { data: unknown }) => void): void; postMessage(message: unknown): void }
const port = (process as unknown as { parentPort?: ParentPort }).parentPort
if (!port) throw new Error('ml-worker-entry runs only inside an Electron utility process')
const send = (message: unknown): boolean => {
  port.postMessage(message)
  return true
}
;(process as unknown as { send: typeof send }).send = send
port.on('message', (e) => process.emit('message' as never, e.data as never))
await import('../ml/worker/worker-main.ts')

export {}
