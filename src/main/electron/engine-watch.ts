// [Note: engine restarts in the desktop app]
// In the desktop app the engine's heavy half (the ML worker: image tower,
// captioning) runs in an Electron utility process. When that process dies
// unexpectedly (a crash, the OS killing it for memory), the worker client
// fails its pending calls and would start a fresh worker on the next call;
// this watcher says so to the page ("restarting the engine", the
// `engine.state` event) and starts the fresh worker at once rather than on
// the next call, then says "running" when it answers. A stop we asked for
// (closing the app, switching packs) is not a crash and says nothing.
import type { WorkerChild } from '../ml/worker/worker-client.ts'

export interface EngineStateSink {
  (state: 'running' | 'restarting', reason: string | null): void
}

/**
 * Wrap a launcher of worker processes: each child it launches is watched.
 * `restart` starts a fresh worker (the ML service's start()), called once
 * after an unexpected exit.
 */
export function watchEngine(launch: () => WorkerChild, report: EngineStateSink, restart: () => Promise<unknown>): () => WorkerChild {
  let restarting = false
  return () => {
    const child = launch()
    let stopping = false
    let answered = false
    const kill = child.kill.bind(child)
    child.kill = (signal?: NodeJS.Signals) => {
      stopping = true
      return kill(signal)
    }
    if (child.disconnect) {
      const disconnect = child.disconnect.bind(child)
      child.disconnect = () => {
        stopping = true
        disconnect()
      }
    }
    child.on('message', () => {
      if (answered) return
      answered = true
      if (restarting) {
        restarting = false
        report('running', null)
      }
    })
    child.on('exit', (code, signal) => {
      if (stopping) return
      const reason = `the engine process stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`
      const first = !restarting
      restarting = true
      report('restarting', reason)
      // One fresh start per crash; if it fails to start, the next call tries again.
      if (first) void restart().catch(() => undefined)
    })
    return child
  }
}
