// What a command may touch of the terminal. Commands write through this so tests
// can capture output, and so progress bars know whether a person is watching.
import path from 'node:path'

export interface CliIo {
  /** One line (or block) of regular output, to stdout. */
  out(text: string): void
  /** One line of error output, to stderr. */
  err(text: string): void
  /** True when stderr is a terminal: only then draw progress bars. */
  interactive: boolean
  /** Raw writes to stderr for progress redraws. */
  progress(text: string): void
  /** The directory relative paths are resolved against. */
  cwd: string
  env: NodeJS.ProcessEnv
}

let stdoutGuarded = false

/**
 * `photocap list | head` closes the pipe while we still write: every command
 * ends quietly with status 0 (as a command killed by SIGPIPE would end its
 * pipeline quietly) instead of crashing on an unhandled EPIPE. Other stdout
 * errors are still thrown.
 */
function exitQuietlyWhenStdoutCloses(): void {
  if (stdoutGuarded) return
  stdoutGuarded = true
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(0)
    throw error
  })
}

/**
 * stdout is the commands' output only (`photocap list --json | jq` must parse):
 * what libraries print through the console (libheif's wasm says "Could not
 * parse HEIF file ..." with console.log) goes to stderr. Our own output is
 * written with `out`, never the console.
 */
function keepStdoutForOutput(): void {
  for (const level of ['log', 'info', 'debug'] as const) console[level] = (...args: unknown[]) => console.error(...args)
}

export function defaultIo(): CliIo {
  exitQuietlyWhenStdoutCloses()
  keepStdoutForOutput()
  return {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    interactive: Boolean(process.stderr.isTTY),
    progress: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  }
}

/** Resolve a path the user typed against the directory they typed it in. */
export function resolveUserPath(io: CliIo, p: string): string {
  return path.resolve(io.cwd, p)
}
