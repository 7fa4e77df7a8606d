// The training child in the desktop app: an Electron utilityProcess running
// training-child-entry.ts, adapted to the TrainingChild shape that
// startTrainingProcess (src/main/engine/training/training-process.ts) drives, so
// training never runs in the main process that serves the window.
// Only a type import of electron here: training-child-entry.ts imports this
// module inside the utility process.
import path from 'node:path'
import type { ForkOptions, UtilityProcess } from 'electron'
import type { TrainingChild } from '../engine/training/training-process.ts'

/** The message the adapter's disconnect() posts; the entry turns it into process 'disconnect'. */
export const UTILITY_DISCONNECT = 'photocap/utility-disconnect'

/** The built entry, next to out/main/index.js (electron.vite.config.ts names it). */
export function trainingEntryPath(mainDir: string): string {
  return path.join(mainDir, 'training-child.js')
}

/** The part of Electron's UtilityProcess the adapter uses. */
export type UtilityLike = Pick<UtilityProcess, 'postMessage' | 'kill'> & {
  readonly pid: number | undefined
  on(event: string, listener: (...args: never[]) => void): unknown
}

export function adaptUtilityProcess(child: UtilityLike): TrainingChild {
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
      else child.on('error', ((type: string, location?: string) => (listener as (e: Error) => void)(new Error(`training utility process failed: ${type}${location ? ` at ${location}` : ''}`))) as never)
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
  return adapted as TrainingChild
}

/** A launchTraining for createBackend: fork the built entry (ignoring the tsx source path it is handed) and adapt it. */
export function utilityTrainingLauncher(fork: (modulePath: string, args: string[], options: ForkOptions) => UtilityLike, mainDir: string): (entry: string) => TrainingChild {
  return () => adaptUtilityProcess(fork(trainingEntryPath(mainDir), [], { serviceName: 'Photocap training', stdio: 'inherit' }))
}
