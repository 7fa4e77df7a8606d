// The ML worker in the desktop app: an Electron utilityProcess running
// ml-worker-entry.ts, adapted (utility-process.ts) to the process shape the ML
// worker client (src/main/ml/worker/worker-client.ts) drives, so inference
// never runs in the main process that serves the window. One client, two
// launchers: the CLI and `photocap serve` fork worker-main.ts under Node.
import path from 'node:path'
import type { ForkOptions } from 'electron'
import type { WorkerChild } from '../ml/worker/worker-client.ts'
import { adaptUtilityProcess, type UtilityLike } from './utility-process.ts'

/** The built entry, next to out/main/index.js (electron.vite.config.ts names it). */
export function mlWorkerEntryPath(mainDir: string): string {
  return path.join(mainDir, 'ml-worker.js')
}

/** A launcher for WorkerMlService: fork the built ML worker entry as a utility process. */
export function utilityMlLauncher(fork: (modulePath: string, args: string[], options: ForkOptions) => UtilityLike, mainDir: string): () => WorkerChild {
  return () => adaptUtilityProcess(fork(mlWorkerEntryPath(mainDir), [], { serviceName: 'Photocap ML', stdio: 'inherit' }), 'ML')
}
