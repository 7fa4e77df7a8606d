// The parent side of the training process (see [Note: training process
// protocol]): fork the child (Node: child_process.fork through tsx, as the ML
// worker does), hand it the database path and options, relay its progress, and
// settle with the finished version, a cancellation, the child's own error, or a
// crash naming the exit code or signal. A crashed or cancelled run keeps its
// checkpoint; starting the same training again resumes it.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildProcessLike } from '../../ml/worker/child-process.ts'
import { CancelledError } from '../errors.ts'
import { TooLittleDataError } from './library-training.ts'
import {
  fromTrainingChildSchema,
  trainingChildOptionsSchema,
  type ToTrainingChild,
  type TrainingChildOptions,
  type TrainingProgressMessage,
} from './training-protocol.ts'
import type { z } from 'zod'
import type { trainedVersionSchema } from './training-protocol.ts'

export type TrainedVersion = z.infer<typeof trainedVersionSchema>

/** The child's entry; Electron wraps it in a utility-process entry that maps parentPort onto process.send/on. */
export const TRAINING_CHILD_ENTRY = fileURLToPath(new URL('./training-child.ts', import.meta.url))

/** The training child's process: child_process.fork's ChildProcess, or an adapter over Electron's utilityProcess. */
export type TrainingChild = ChildProcessLike<ToTrainingChild>

export interface TrainingProcessOptions {
  dbPath: string
  options: TrainingChildOptions
  onProgress?: (p: TrainingProgressMessage) => void
  /** The execution provider the run uses, and why an accelerator was skipped. */
  onProvider?: (provider: string, fallbackReason: string | null) => void
  log?: (text: string) => void
  /** Starts the child (default: child_process.fork of TRAINING_CHILD_ENTRY with tsx). */
  launch?: (entry: string) => TrainingChild
}

export interface TrainingProcessResult {
  version: TrainedVersion
  /** The pid the child reported for itself (never the caller's). */
  childPid: number
}

export interface TrainingProcessHandle {
  /** The child's pid as the OS gave it (tests use it to simulate a crash). */
  readonly pid: number | undefined
  readonly result: Promise<TrainingProcessResult>
  /** Ask the child to stop at the next step boundary, keeping its checkpoint (cancel and pause alike). */
  stop(): void
}

export class TrainingCancelledError extends CancelledError {
  override name = 'TrainingCancelledError'
  constructor() {
    super('training cancelled')
  }
}

export class TrainingProcessCrashedError extends Error {
  override name = 'TrainingProcessCrashedError'
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(
      `the training process exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); its last checkpoint is kept, start the training again to resume`,
    )
  }
}

/**
 * The training child's environment: glibc keeps large blocks in its reusable
 * heap instead of fresh mmaps. onnxruntime-node returns every output of a step
 * in new memory (a copy of the gradients: ~0.6 GB a step with GPT-2 tuned; it was
 * ~1.5 GB when the graph output the updated tensors and moments too), and
 * first-touch page faults on fresh maps doubled the tuned step's time then
 * ([Note: fresh output buffers] in bench/train.bench.ts). The child exits after training, so memory the heap
 * keeps is given back then. Other C libraries ignore the variable.
 */
export function trainingChildEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, MALLOC_MMAP_MAX_: env.MALLOC_MMAP_MAX_ ?? '0' }
}

function forkChild(entry: string): TrainingChild {
  // tsx by absolute URL: a bare '--import tsx' would resolve against the user's
  // working directory, which is any folder of photos.
  return fork(entry, [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: trainingChildEnv(),
  })
}

export function startTrainingProcess(opts: TrainingProcessOptions): TrainingProcessHandle {
  // The child opens its own connection: an in-memory database would be a different, empty one.
  if (opts.dbPath === ':memory:' || opts.dbPath === '')
    throw new Error('training in a child process needs the library database file, not an in-memory database')
  const options = trainingChildOptionsSchema.parse(opts.options)
  const child = (opts.launch ?? forkChild)(TRAINING_CHILD_ENTRY)
  let childPid: number | null = null
  let outcome: { ok: true; value: TrainingProcessResult } | { ok: false; error: Error } | null = null
  let stopRequested = false

  const result = new Promise<TrainingProcessResult>((resolve, reject) => {
    const settle = (): void => (outcome ? (outcome.ok ? resolve(outcome.value) : reject(outcome.error)) : undefined)
    child.on('message', (raw) => {
      const parsed = fromTrainingChildSchema.safeParse(raw)
      if (!parsed.success) {
        opts.log?.(`training process sent an invalid message (${parsed.error.issues[0]?.message ?? 'unknown'})`)
        return
      }
      const msg = parsed.data
      if (msg.type === 'started') childPid = msg.pid
      else if (msg.type === 'progress') opts.onProgress?.(msg.progress)
      else if (msg.type === 'provider') opts.onProvider?.(msg.provider, msg.fallbackReason)
      else if (msg.type === 'log') opts.log?.(msg.text)
      else if (!outcome) {
        if (msg.type === 'done') outcome = { ok: true, value: { version: msg.version, childPid: childPid ?? child.pid ?? -1 } }
        else {
          let error: Error
          if (msg.cancelled) error = new TrainingCancelledError()
          else if (msg.name === 'TooLittleDataError') error = new TooLittleDataError(msg.message)
          else {
            error = new Error(msg.message)
            error.name = msg.name
          }
          outcome = { ok: false, error }
        }
        // The last message is in: closing the channel lets the child exit.
        child.disconnect?.()
      }
    })
    child.on('error', (error) => {
      outcome ??= { ok: false, error: new Error(`could not run the training process: ${error.message}`) }
      settle()
    })
    // The child sends its last message and exits only when this side closes the
    // channel, so an exit without an outcome is a crash (or a stop before start).
    // setImmediate lets messages read in the same tick be handled first.
    child.on('exit', (code, signal) =>
      setImmediate(() => {
        outcome ??= { ok: false, error: stopRequested && code === 0 ? new TrainingCancelledError() : new TrainingProcessCrashedError(code, signal) }
        settle()
      }),
    )
  })

  child.send({ type: 'start', dbPath: opts.dbPath, options })
  return {
    get pid() {
      return child.pid
    },
    result,
    stop() {
      if (outcome || stopRequested) return
      stopRequested = true
      child.send({ type: 'stop' })
    },
  }
}
