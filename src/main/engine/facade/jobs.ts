// The job queue as the doors see it: progress, failures, pause and resume,
// cancel, retry, and waiting until the work is done.
import type { LibraryDb } from '../db/database.ts'
import type { Emitter } from '../events.ts'
import type { LibraryStore } from '../library/store.ts'
import { Priority, type JobQueue } from '../jobs/queue.ts'
import type { JobRunner } from '../jobs/runner.ts'
import type { EngineEvents, JobFailure, JobKind, JobProgress } from '../types.ts'

export interface JobsFacade {
  status(): JobProgress
  failures(limit?: number): JobFailure[]
  pause(): void
  resume(): void
  /** Drop queued jobs (of some kinds, or all) and abort the batch in flight if it is of one of them. */
  cancel(kinds?: JobKind[]): number
  /** Queue failed photos again (all, or the given ones). */
  retry(photoIds?: number[]): number
  /** Resolves when nothing runnable is left; rejects if the database refuses writes. */
  whenIdle(signal?: AbortSignal): Promise<void>
}

export interface JobsDeps {
  db: LibraryDb
  store: LibraryStore
  queue: JobQueue
  runner: JobRunner
  events: Emitter<EngineEvents>
  /** The job kinds that can run now (ML kinds only with a model loaded). */
  runnableKinds: () => readonly JobKind[]
}

export function createJobs({ db, store, queue, runner, events, runnableKinds }: JobsDeps): JobsFacade {
  return {
    status: () => runner.progress(),
    failures: (limit = 100) => store.failures(limit),
    pause: () => runner.pause(),
    resume: () => runner.resume(),
    cancel(kinds) {
      const n = queue.cancel(kinds)
      runner.cancelCurrent(kinds)
      return n
    },
    retry(photoIds) {
      let n = 0
      db.tx(() => {
        for (const { id, stage } of store.failedPhotos(photoIds)) {
          queue.dropFailedOf(id)
          if (stage === 'ingest' || stage === 'scan') {
            for (const file of store.presentRelPaths(id)) queue.enqueue('ingest', file, Priority.user)
          } else queue.enqueue(stage, { photoId: id }, Priority.user)
          n++
        }
      })
      runner.poke()
      return n
    },
    whenIdle: (signal) =>
      new Promise<void>((resolve, reject) => {
        let off = (): void => undefined
        let timer: NodeJS.Timeout | null = null
        const check = (): void => {
          if (runner.fatal) return finish(runner.fatal)
          if (signal?.aborted) return finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
          if (runner.isIdle && queue.nextKind(runnableKinds()) === null) return finish(null)
          timer = setTimeout(check, 100)
        }
        const finish = (error: Error | null): void => {
          off()
          if (timer) clearTimeout(timer)
          if (error) reject(error)
          else resolve()
        }
        off = events.on('engine.errored', () => {
          if (runner.fatal) finish(runner.fatal)
        })
        runner.poke()
        check()
      }),
  }
}
