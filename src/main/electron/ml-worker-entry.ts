// Entry of the ML utility process ([Note: child processes in the desktop app]
// in utility-process.ts): the same worker-main.ts the CLI forks under Node.
import { runAsUtilityChild } from './utility-entry.ts'

await runAsUtilityChild('ml-worker-entry', () => import('../ml/worker/worker-main.ts'))

export {}
