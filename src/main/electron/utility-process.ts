// [Note: child processes in the desktop app]
// The ML worker and the training child run as child processes so that a
// 300 ms inference or a training step never stalls the process that serves
// the window. Under Node (CLI, `photocap serve`) they are child_process.fork
// children; in the desktop app they are Electron utility processes (as Ente
// does). The parents (ml/worker/worker-client.ts, engine/training/
// training-process.ts) drive a Node-like child: send/on('message'|'exit'|
// 'error')/disconnect/kill. `adaptUtilityProcess` gives a utility process
// that shape; on the other side utility-entry.ts maps Electron's parentPort
// onto process.send/on/connected/'disconnect', so the children's own code is
// the same under both.
// Only a type import of electron here: the entries import this module inside
// the utility process.
import type { UtilityProcess } from 'electron'
import type { ChildProcessLike } from '../ml/worker/child-process.ts'

/** The message the adapter's disconnect() posts; the entry turns it into process 'disconnect'. */
export const UTILITY_DISCONNECT = 'photocap/utility-disconnect'

/** The part of Electron's UtilityProcess the adapter uses. */
export type UtilityLike = Pick<UtilityProcess, 'postMessage' | 'kill'> & {
  readonly pid: number | undefined
  on(event: string, listener: (...args: never[]) => void): unknown
}

/** `label` names the process in a fatal error ("training", "ML"). */
export function adaptUtilityProcess(child: UtilityLike, label: string): ChildProcessLike {
  let disconnected = false
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const adapted = {
    get pid() {
      return child.pid
    },
    send(message: unknown) {
      if (!exited && !disconnected) child.postMessage(message)
      return true
    },
    on(event: 'message' | 'exit' | 'error', listener: (...args: never[]) => void) {
      if (event === 'message') child.on('message', listener)
      // A utility process reports only its exit code; no signal.
      else if (event === 'exit') child.on('exit', ((code: number) => (listener as (c: number | null, s: null) => void)(code, null)) as never)
      // Electron's 'error' is (type, location, report) for a fatal V8 error.
      else
        child.on('error', ((type: string, location?: string) =>
          (listener as (e: Error) => void)(new Error(`${label} utility process failed: ${type}${location ? ` at ${location}` : ''}`))) as never)
      return adapted
    },
    disconnect() {
      if (disconnected || exited) return
      child.postMessage({ type: UTILITY_DISCONNECT })
      disconnected = true
    },
    kill() {
      return child.kill()
    },
  }
  return adapted as ChildProcessLike
}
