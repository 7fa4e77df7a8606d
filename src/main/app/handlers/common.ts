// What the per-domain handler modules share: the API's shapes of a photo and a
// caption, the one "not found" rule, and the patch helper.
import fs from 'node:fs'
import path from 'node:path'
import type { MethodName, MethodOutput } from '../../../shared/api.ts'
import { ApiError } from '../../../shared/errors.ts'
import type { PhotoSummary } from '../../../shared/types.ts'
import type { Engine } from '../../engine/engine.ts'
import { formatWallClock } from '../../engine/library/dates.ts'
import type { Caption as EngineCaption, PhotoSummary as EnginePhoto } from '../../engine/types.ts'
import { photoState } from '../../engine/views/photo-filter.ts'
import type { EventBus } from '../../../shared/events.ts'
import type { MlService } from '../../ml/service.ts'
import type { TrainingChild } from '../../engine/training/training-process.ts'
import type { createTrainingRuns } from '../../engine/training/training-runs.ts'
import type { AppPrefs } from '../app-prefs.ts'
import type { createPackInstalls } from '../pack-installs.ts'
import type { Handlers } from '../dispatcher.ts'

export interface HandlerDeps {
  /** How often continuous learning checks for new corrections (ms; 0: only when asked, as tests do). */
  continuousEveryMs?: number
  engine: Engine
  prefs: AppPrefs
  events: EventBus
  mode: 'web' | 'electron'
  dbPath: string
  dataDir: string
  version: string
  ml: () => MlService | null
  mlError: () => string | null
  reloadMl: () => Promise<void>
  pickFolder?: () => Promise<string | null>
  /** How to start the training child process (Electron: a utilityProcess adapter); default child_process.fork. */
  launchTraining?: (entry: string) => TrainingChild
}

/** The training runs and the pack downloads: each made once by the composition root, shared by the slices that start, report or stop them. */
export type TrainingRuns = ReturnType<typeof createTrainingRuns>
export type PackInstalls = ReturnType<typeof createPackInstalls>

/** The handlers of the API methods under one prefix ('roots' → roots.list, roots.add, ...). */
export type HandlerSlice<P extends string> = Pick<Handlers, Extract<MethodName, `${P}.${string}`>>

export const ok = { ok: true as const }

/** Drop undefined fields (zod's partial() output) so a patch never erases a value. */
export function defined<T extends object>(o: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as never
}

export function need<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new ApiError('not_found', what)
  return value
}

export function toSummary(p: EnginePhoto): PhotoSummary {
  const first = p.paths.find((x) => x.present) ?? p.paths[0]
  const file = first?.path ?? `photo ${p.id}`
  return {
    id: p.id,
    name: path.basename(file),
    folder: path.dirname(file),
    // The photo's own wall-clock time, without a zone: shown as the photographer saw it on any machine ([Note: dates taken are wall-clock]).
    takenAt: p.takenAt === null ? null : formatWallClock(p.takenAt),
    width: p.width,
    height: p.height,
    status: photoState(p),
    error: p.error,
    caption: p.caption,
    provenance: p.provenance,
    reviewed: p.reviewed,
  }
}

/** A caption as the API shows it. */
export function wireCaption(c: EngineCaption): MethodOutput<'captions.set'> {
  return {
    text: c.text,
    provenance: c.provenance,
    modelId: c.modelId,
    decoding: c.decoding,
    createdAt: new Date(c.createdAt).toISOString(),
    reviewed: c.reviewedAt !== null,
  }
}

export function hasThumbnail(engine: Engine, id: number): boolean {
  const file = engine.photos.thumbnailPath(id, 'small')
  return file !== null && fs.existsSync(file)
}

/**
 * A photo as a page of results shows it. Only a photo that could not be read (or is missing) may have
 * no thumbnail for good; the others have one or get one soon. So a page checks the disk for those few only.
 */
export function pageSummary(engine: Engine, p: EnginePhoto): PhotoSummary {
  const s = toSummary(p)
  return s.status === 'failed' || s.status === 'missing' ? { ...s, hasImage: hasThumbnail(engine, p.id) } : s
}
