// A CliIo that records what a command prints, for tests that run the CLI in-process.
import type { CliIo } from '../../src/main/cli/io.ts'

export interface CapturedIo {
  io: CliIo
  out: string[]
  err: string[]
  progress: string[]
}

export function captureIo(cwd: string, env: NodeJS.ProcessEnv = {}, interactive = false): CapturedIo {
  const out: string[] = []
  const err: string[] = []
  const progress: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), progress: (t) => progress.push(t), interactive, cwd, env }
  return { io, out, err, progress }
}
