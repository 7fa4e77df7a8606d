// The training child process (see [Note: training process protocol]): receives
// one `start`, opens its own connection to the library database, runs
// trainFromLibrary and reports progress and the finished version. A `stop`
// (cancel or pause) or the parent going away ends the run at the next step
// boundary with its checkpoint kept, so a later start resumes it.
import { onParentMessage, sendToParent } from '../../ml/worker/parent-channel.ts'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { CancelledError, isCancelled } from '../errors.ts'
import { trainFromLibrary, type LibraryTrainingOptions } from './library-training.ts'
import { toTrainingChildSchema, type FromTrainingChild, type TrainingChildOptions } from './training-protocol.ts'

const abort = new AbortController()
let started = false
let finished: number | null = null
let db: LibraryDb | null = null

const send = (msg: FromTrainingChild): void => sendToParent(msg)

function exit(code: number): void {
  db?.close()
  db = null
  process.exit(code)
}

/**
 * The run is over and its last message sent: wait for the parent to close the
 * channel (so the message is delivered before the process goes), with a
 * fallback exit in case it never does.
 */
function done(code: number): void {
  db?.close()
  db = null
  finished = code
  if (process.connected === false) exit(code)
  setTimeout(() => exit(code), 10_000).unref()
}

async function run(dbPath: string, options: TrainingChildOptions): Promise<void> {
  try {
    db = openDatabase(dbPath)
    const v = await trainFromLibrary(db, {
      ...(Object.fromEntries(Object.entries(options).filter(([, x]) => x !== undefined)) as unknown as Omit<
        LibraryTrainingOptions,
        'signal' | 'onProgress' | 'captioner'
      >),
      signal: abort.signal,
      onProvider: (provider, fallbackReason) => send({ type: 'provider', provider, fallbackReason }),
      onProgress: (p) =>
        send({
          type: 'progress',
          progress: { step: p.step, steps: p.steps, epoch: p.epoch, loss: p.loss, lr: p.lr, samples_per_s: p.samples_per_s, etaSeconds: p.etaSeconds },
        }),
    })
    send({ type: 'done', version: { id: v.id, name: v.name, state: v.state, packDir: v.packDir, metrics: v.metrics } })
    done(0)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    // Cancelled by its type (the training loop throws the signal's CancelledError), never by the wording of the message.
    send({ type: 'error', name: error instanceof Error ? error.name : 'Error', message, cancelled: abort.signal.aborted && isCancelled(error) })
    done(1)
  }
}

onParentMessage(toTrainingChildSchema, 'training process', (msg) => {
  if (msg.type === 'stop') {
    abort.abort(new CancelledError('training cancelled'))
    if (!started) exit(0)
    return
  }
  if (started) return
  started = true
  send({ type: 'started', pid: process.pid })
  void run(msg.dbPath, msg.options)
})

// The parent closed the channel (after the last message) or died: stop at the
// next step (checkpoint kept) and exit once the run has ended.
process.on('disconnect', () => {
  abort.abort(new CancelledError('training cancelled'))
  if (!started) exit(0)
  else if (finished !== null) exit(finished)
})
