// The engine's domain types: what the facade (engine.ts) returns and what its
// events carry. Plain data, JSON-able, so the API table and the bridge can
// validate and send them as they are.
import type { DecodeOptions } from '../ml/service.ts'
import type { PhotoState } from './views/photo-filter.ts'

export interface Root {
  id: number
  path: string
  exclude: string[]
  usePolling: boolean
  /** False while the folder is gone (unmounted disk, deleted folder). */
  available: boolean
  addedAt: number
  lastScanAt: number | null
}

export interface RootOptions {
  /** Glob patterns relative to the root, gitignore-like ("raw/", "**\/*.tmp"). */
  exclude?: string[]
  /** Poll for changes instead of OS events (network and removable disks). */
  usePolling?: boolean
}

export type PhotoStatus = 'indexed' | 'thumbnailed' | 'embedded' | 'captioned' | 'failed'
export type Provenance = 'auto' | 'user'

export interface PhotoPath {
  rootId: number
  /** Absolute path on this machine. */
  path: string
  present: boolean
  missingSince: number | null
}

export interface PhotoSummary {
  id: number
  paths: PhotoPath[]
  caption: string | null
  provenance: Provenance | null
  /** A person accepted the current automatic caption as right (the review flow); user captions are reviewed by nature. */
  reviewed: boolean
  /** The auto caption was made by a model other than the active one. */
  captionStale: boolean
  status: PhotoStatus
  /** True when none of the photo's paths is present (kept for the grace period). */
  missing: boolean
  error: string | null
  /** Local wall-clock time taken as UTC ms ([Note: dates taken are wall-clock] in library/dates.ts); null: undated. */
  takenAt: number | null
  width: number | null
  height: number | null
}

export interface PhotoDetail extends PhotoSummary {
  /** Minutes east of UTC of `takenAt` (which is the photo's local wall-clock time, [Note: dates taken are wall-clock]), when the file says. */
  takenOffsetMinutes: number | null
  /** The field the date came from; null when the file records none. */
  takenSource: string | null
  /** The description text the file itself holds, also when it was filler and so not imported as a caption. */
  embeddedDescription: string | null
  /** Why `embeddedDescription` is not a caption (camera or software filler), if so. */
  embeddedFiller: string | null
  /** A decoder warning the photo was decoded despite. */
  decodeNote: string | null
  size: number | null
  mime: string | null
  orientation: number | null
  cameraMake: string | null
  cameraModel: string | null
  gpsLat: number | null
  gpsLon: number | null
  addedAt: number
  updatedAt: number
  /** Embedding model ids stored for this photo. */
  embeddingModels: string[]
}

export interface Caption {
  id: number
  photoId: number
  text: string
  provenance: Provenance
  /** auto: the caption model id; user: null. */
  modelId: string | null
  decoding: DecodeOptions | null
  /** 'file' when imported from the photo's own metadata (a user caption). */
  source: string | null
  createdAt: number
  /** When a person accepted this automatic caption in review; null if never. */
  reviewedAt: number | null
  current: boolean
}

export interface PhotoQuery {
  limit?: number
  offset?: number
  status?: PhotoStatus | 'missing'
  rootId?: number
  /** Default 'added': newest first; 'id': oldest first (stable paging). */
  order?: 'added' | 'taken' | 'id'
}

/** The library queue's job kinds, in pipeline order: the one list the queue, runner and progress read. */
export const JOB_KINDS = ['scan', 'ingest', 'thumbnail', 'embed', 'caption'] as const
export type JobKind = (typeof JOB_KINDS)[number]
/** The kinds that need the ML engine (without one, the library still finds, reads and thumbnails photos). */
export const ML_JOB_KINDS: readonly JobKind[] = ['embed', 'caption']
/** What the runner may run: every kind with an ML engine, the kinds without ML otherwise. */
export const runnableJobKinds = (withMl: boolean): JobKind[] => JOB_KINDS.filter((k) => withMl || !ML_JOB_KINDS.includes(k))

export interface JobProgress {
  /** Jobs finished (done or failed) since the queue last became idle. */
  done: number
  /** done + queued + running. */
  total: number
  failed: number
  /** Jobs per second over the last few seconds. */
  rate: number
  /** Seconds to go at the current rate; null when unknown. */
  etaSeconds: number | null
  paused: boolean
  byKind: Record<JobKind, { queued: number; running: number }>
  /**
   * The same work counted in photos for people: `total` is the photos this
   * burst of work is about (it grows only when more photos are found, never as
   * one photo moves from stage to stage), `done` those with nothing left to do;
   * `stages` the kinds seen since the burst began.
   */
  photos?: { done: number; total: number; stages: JobKind[] }
}

export interface JobFailure {
  photoId: number | null
  path: string | null
  kind: JobKind
  error: string
  attempts: number
}

export interface LibraryStatus {
  photos: number
  /** By pipeline stage (how far processing got). */
  byStatus: Record<PhotoStatus, number>
  /** By the state a person sees (queued, processing, done, failed, missing): the API's and the CLI's word for it. */
  byState: Record<PhotoState, number>
  missing: number
  staleCaptions: number
  staleEmbeddings: number
  userCaptions: number
  jobs: JobProgress
  failures: JobFailure[]
  roots: Root[]
}

export interface Settings {
  /** Folder of the active model pack; null = the default pack. */
  activePack: string | null
  decoding: DecodeOptions
  /** Requested execution provider: 'auto' or a name such as 'cpu', 'cuda'. */
  provider: string
  /** Days a photo whose files all disappeared keeps its data before it is forgotten. */
  missingGraceDays: number
}

/** `domain.pastTense` events. */
export interface EngineEvents {
  'roots.changed': { roots: Root[] }
  'photos.added': { ids: number[] }
  'photos.changed': { ids: number[] }
  'photos.missing': { ids: number[] }
  'photos.removed': { ids: number[] }
  'captions.changed': { photoId: number; caption: Caption | null }
  'jobs.progressed': JobProgress
  'jobs.failed': JobFailure
  'jobs.drained': { done: number; failed: number }
  'settings.changed': Settings
  'engine.errored': { message: string }
}
