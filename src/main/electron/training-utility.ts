// The training child in the desktop app: an Electron utilityProcess running
// training-child-entry.ts, adapted (utility-process.ts) to the TrainingChild
// shape that startTrainingProcess (src/main/engine/training/training-process.ts)
// drives, so training never runs in the main process that serves the window.
import path from 'node:path'
import type { ForkOptions } from 'electron'
import { trainingChildEnv, type TrainingChild } from '../engine/training/training-process.ts'
import { adaptUtilityProcess, type UtilityLike } from './utility-process.ts'

/** The built entry, next to out/main/index.js (electron.vite.config.ts names it). */
export function trainingEntryPath(mainDir: string): string {
  return path.join(mainDir, 'training-child.js')
}

/** A launchTraining for createBackend: fork the built entry (ignoring the tsx source path it is handed) and adapt it. */
export function utilityTrainingLauncher(
  fork: (modulePath: string, args: string[], options: ForkOptions) => UtilityLike,
  mainDir: string,
): (entry: string) => TrainingChild {
  return () =>
    adaptUtilityProcess(fork(trainingEntryPath(mainDir), [], { serviceName: 'Photocap training', stdio: 'inherit', env: trainingChildEnv() }), 'training')
}
