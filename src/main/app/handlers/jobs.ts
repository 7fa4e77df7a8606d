// jobs.*: the activity panel (what the library is doing, what failed, what training noted), pausing, cancelling and retrying.
import path from 'node:path'
import type { Activity, JobProgress, LibraryJobKind } from '../../../shared/types.ts'
import type { JobKind as EngineJobKind } from '../../engine/types.ts'
import { overallProgress } from '../overall-progress.ts'
import { ok, type HandlerDeps, type HandlerSlice, type PackInstalls, type TrainingRuns } from './common.ts'

/** The engine's queue kinds behind each library kind the API names ('scan' covers finding and reading files). */
const libraryJobKinds = { scan: ['scan', 'ingest'], thumbnail: ['thumbnail'], embed: ['embed'], caption: ['caption'] } as const satisfies Record<
  LibraryJobKind,
  EngineJobKind[]
>

/** What the library is doing now, as jobs.activity answers and jobs.progressed announces it. */
export function activityOf(engine: HandlerDeps['engine'], training: TrainingRuns): Activity {
  const p = engine.jobs.status()
  const jobs: JobProgress[] = []
  if (p.total > 0 && p.done < p.total) {
    const pending = (k: keyof typeof p.byKind): number => p.byKind[k].queued + p.byKind[k].running
    const kind = pending('caption') + pending('embed') > 0 ? (pending('embed') > 0 ? 'embed' : 'caption') : pending('thumbnail') > 0 ? 'thumbnail' : 'scan'
    const label = { scan: 'Finding photos', thumbnail: 'Reading photos', embed: 'Understanding photos', caption: 'Writing captions' }[kind]
    jobs.push({ kind, label, done: p.done, total: p.total, failed: p.failed, rate: p.rate > 0 ? p.rate : null, etaSeconds: p.etaSeconds })
  }
  const failures = engine.jobs
    .failures(200)
    .filter((f) => f.photoId !== null)
    .map((f) => ({
      photoId: f.photoId!,
      name: f.path ? path.basename(f.path) : `photo ${f.photoId}`,
      path: f.path ?? '',
      stage: f.kind,
      reason: f.error,
      attempts: f.attempts,
    }))
  return { state: p.paused ? 'paused' : p.total > p.done ? 'running' : 'idle', jobs, failures, learning: training.notes(), overall: overallProgress(p) }
}

export function jobHandlers(
  deps: Pick<HandlerDeps, 'engine' | 'events'> & { training: TrainingRuns; installs: PackInstalls; activity: () => Activity },
): HandlerSlice<'jobs'> {
  const { engine, training, installs, activity } = deps
  return {
    'jobs.activity': () => activity(),
    'jobs.pause': () => {
      engine.jobs.pause()
      deps.events.emit('jobs.progressed', activity())
      return ok
    },
    'jobs.resume': () => {
      engine.jobs.resume()
      deps.events.emit('jobs.progressed', activity())
      return ok
    },
    'jobs.cancel': ({ kind }) => {
      // Each kind stops its own work and nothing else; no kind: the library's queue
      // (a training run and a pack download are stopped by name, never as a side effect).
      if (kind === 'train') training.cancel()
      else if (kind === 'install') installs.cancel()
      // an export runs inside its own export.run call, which answers when it is done: nothing is left running
      else if (kind !== 'export') engine.jobs.cancel(kind === undefined ? undefined : libraryJobKinds[kind])
      return ok
    },
    'jobs.retry': ({ photoIds }) => ({ queued: engine.jobs.retry(photoIds) }),
  }
}
