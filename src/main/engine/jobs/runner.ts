// The loop that drains the job queue: pick the most urgent kind, claim a
// batch, run it through the pipeline, repeat; sleep when there is nothing to
// do until woken (new work, resume) or a retry falls due.
import { CancelledError } from '../errors.ts'
import type { Emitter } from '../events.ts'
import type { EngineEvents, JobKind, JobProgress } from '../types.ts'
import { batchSizes, type Pipeline } from './pipeline.ts'
import type { JobQueue, JobRow } from './queue.ts'
import { ProgressMeter } from './progress.ts'

export interface RunnerDeps {
  queue: JobQueue
  pipeline: Pipeline
  events: Emitter<EngineEvents>
  /** Kinds that can run now (embed/caption need an ML service). */
  runnableKinds: () => JobKind[]
}

// PHOTOCAP_TRACE_JOBS=1 prints each batch's kind, size and duration to stderr.
const traceBatches = process.env.PHOTOCAP_TRACE_JOBS === '1'

export class JobRunner {
  private paused = false
  private stopped = false
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null
  private current: AbortController | null = null
  private currentKind: JobKind | null = null
  private busy = false
  readonly meter: ProgressMeter
  /** A database error that stops all work (disk full, read-only, corrupt). */
  fatal: Error | null = null

  constructor(private readonly d: RunnerDeps) {
    this.meter = new ProgressMeter()
  }

  start(): void {
    if (this.loop) return
    this.stopped = false
    this.loop = this.run()
  }

  /** Something was enqueued: look again. */
  poke(): void {
    this.wake?.()
  }

  pause(): void {
    this.paused = true
    this.emitProgress(true)
  }

  resume(): void {
    this.paused = false
    if (this.fatal) {
      // Jobs the failed batch could not put back are still marked running.
      this.fatal = null
      try {
        this.d.queue.releaseAllRunning()
      } catch (error) {
        this.fatal = error instanceof Error ? error : new Error(String(error))
      }
    }
    this.emitProgress(true)
    this.poke()
  }

  get isPaused(): boolean {
    return this.paused
  }

  get isIdle(): boolean {
    return !this.busy
  }

  /** Abort the batch in flight (its jobs go back to the queue). */
  /** Abort the batch in flight: its jobs go back to the queue (a new model, a removed folder). */
  abortCurrent(): void {
    this.current?.abort(new Error('interrupted'))
  }

  /** Cancel the batch in flight if it is of one of `kinds` (or any): its jobs are dropped, not run again. */
  cancelCurrent(kinds?: readonly JobKind[]): void {
    if (this.currentKind !== null && kinds !== undefined && !kinds.includes(this.currentKind)) return
    this.current?.abort(new CancelledError())
  }

  /** Stop: abort the batch in flight (its transaction never commits) and wait for the loop. */
  async stop(): Promise<void> {
    this.stopped = true
    this.current?.abort(new Error('engine stopping'))
    this.poke()
    await this.loop
    this.loop = null
  }

  progress(): JobProgress {
    return this.meter.snapshot(this.d.queue.counts(), this.paused, this.d.queue.pendingPhotos())
  }

  private emitProgress(force = false): void {
    if (force || this.meter.shouldEmit()) this.d.events.emit('jobs.progressed', this.progress())
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.step()
      } catch (error) {
        // Claiming or bookkeeping failed: the database refuses writes (full
        // disk) or something unexpected. Stop taking work until resumed, say why.
        this.fatal = error instanceof Error ? error : new Error(String(error))
        this.d.events.emit('engine.errored', { message: `job queue stopped: ${this.fatal.message}` })
      }
    }
  }

  private async step(): Promise<void> {
    const next = this.paused || this.fatal ? null : this.d.queue.nextKind(this.d.runnableKinds())
    if (!next || next.wakeAt !== null) {
      if (this.busy) {
        this.busy = false
        const p = this.progress()
        this.d.events.emit('jobs.progressed', p)
        if (!next && !this.paused && !this.fatal) {
          this.d.events.emit('jobs.drained', { done: p.done, failed: p.failed })
          this.meter.reset()
        }
      }
      await this.sleep(next?.wakeAt ? Math.max(10, next.wakeAt - Date.now()) : 60_000)
      return
    }
    this.busy = true
    const jobs = this.d.queue.claim(next.kind, batchSizes[next.kind])
    if (jobs.length === 0) return
    const ac = new AbortController()
    this.current = ac
    this.currentKind = next.kind
    const t0 = performance.now()
    try {
      await this.d.pipeline[next.kind](jobs, ac.signal)
      if (traceBatches)
        process.stderr.write(`[jobs] ${new Date().toISOString().slice(11, 23)} ${next.kind} x${jobs.length} ${(performance.now() - t0).toFixed(1)} ms\n`)
    } catch (error) {
      this.settleLeftovers(jobs, error, ac.signal)
    } finally {
      this.current = null
      this.currentKind = null
      this.d.pipeline.flushEvents()
    }
    if (!this.fatal) {
      this.settleLeftovers(jobs, null, ac.signal)
      this.meter.record(jobs.length)
      this.emitProgress()
    }
  }

  /** Jobs a batch left 'running' (it threw or was aborted): back to the queue, or failed. */
  private settleLeftovers(jobs: JobRow[], error: unknown, signal: AbortSignal): void {
    try {
      const running = jobs.filter((j) => this.isRunning(j.id))
      if (running.length === 0) return
      if (signal.aborted && signal.reason instanceof CancelledError) {
        this.d.queue.drop(running.map((j) => j.id))
        return
      }
      if (signal.aborted || error === null) {
        this.d.queue.release(running.map((j) => j.id))
        return
      }
      const message = error instanceof Error ? error.message : String(error)
      for (const j of running) this.d.queue.fail(j, message, false)
    } catch (dbError) {
      // The database itself refuses writes (full disk, read-only): stop working
      // until resumed; what is stored stays stored.
      this.fatal = dbError instanceof Error ? dbError : new Error(String(dbError))
      this.d.events.emit('engine.errored', { message: `database write failed: ${this.fatal.message}` })
    }
    if (isDatabaseError(error)) {
      this.fatal = error as Error
      this.d.events.emit('engine.errored', { message: `database write failed: ${(error as Error).message}` })
    }
  }

  private isRunning(id: number): boolean {
    return this.d.queue.isRunning(id)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done(): void {
        clearTimeout(timer)
        self.wake = null
        resolve()
      }
      this.wake = done
    })
  }
}

export function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN)/.test(code)
}
