// Entry of the training utility process ([Note: training process protocol] and
// [Note: child processes in the desktop app] in utility-process.ts): the same
// training-child.ts the CLI and `photocap serve` fork under Node.
import { runAsUtilityChild } from './utility-entry.ts'

await runAsUtilityChild('training-child-entry', () => import('../engine/training/training-child.ts'))

export {}
