// [Note: One API table]
// Every call the interface can make and every event it can hear is declared here,
// once: methods are `domain.verb` with an input and an output schema, events are
// `domain.pastTense` with a payload schema. Electron IPC (src/main/electron/ipc.ts),
// the preload's `window.api` (src/preload/api.ts), the HTTP/WebSocket bridge
// (src/main/bridge/http-bridge.ts) and the renderer's transports
// (src/shared/transport/*) are generic adapters that iterate this table; no
// channel or route name is written by hand anywhere else. Every boundary parses
// what it receives with these same schemas, so a malformed message is refused
// with the same clear error whichever door it came through.
//
// Adding a feature = adding a row here and a handler in its domain's slice, src/main/app/handlers/<prefix>.ts;
// the compiler then points at every adapter that must know about it.
import { z } from 'zod'
import { DECODE_METHODS, DecodeOptionsSchema, isProviderRequest, PROVIDER_REQUESTS_TEXT } from './ml-options.ts'

// ---------------------------------------------------------------------------
// Building blocks

/** A photo is its row in the library; the page never sees or sends a path to read. */
/** The longest search query, in UTF-16 code units, for the API and the CLI alike (a query is a few words; 1 MB of it ran for minutes). */
export const SEARCH_QUERY_MAX_CHARS = 500

export const PhotoId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
export const RootId = z.number().int().positive()

export const PhotoStatus = z.enum(['queued', 'processing', 'done', 'failed', 'missing'])
export const Provenance = z.enum(['auto', 'user'])
export const DecodeMethod = z.enum(DECODE_METHODS)

export const DecodeOptions = DecodeOptionsSchema

export const Caption = z.object({
  text: z.string(),
  provenance: Provenance,
  /** Model that wrote an `auto` caption; null for `user`. */
  modelId: z.string().nullable(),
  decoding: DecodeOptions.nullable(),
  createdAt: z.string(),
  /** An automatic caption a person accepted in review (user captions need none). */
  reviewed: z.boolean().optional(),
})

export const PhotoSummary = z.object({
  id: PhotoId,
  /** File name of the first known path (for display only). */
  name: z.string(),
  folder: z.string(),
  takenAt: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  status: PhotoStatus,
  error: z.string().nullable(),
  caption: z.string().nullable(),
  provenance: Provenance.nullable(),
  /** The current caption is one a person stands behind: written by them, or automatic and accepted in review. */
  reviewed: z.boolean().optional(),
  /**
   * False when there is no thumbnail to show and none is coming (a file that
   * could not be read, or a missing one never read): the page then asks for no
   * image that would answer 404. Absent or true: ask for it.
   */
  hasImage: z.boolean().optional(),
})

export const ExifField = z.object({ label: z.string(), value: z.string() })

export const PhotoDetail = PhotoSummary.extend({
  paths: z.array(z.string()),
  captionInfo: Caption.nullable(),
  /** Older captions, newest first; the latest `auto` one can be restored. */
  history: z.array(Caption),
  hasAutoCaption: z.boolean(),
  exif: z.array(ExifField),
  sizeBytes: z.number().int().nullable(),
  /** Whether a thumbnail exists now (the detail checks every photo; a summary only unreadable and missing ones). */
  hasImage: z.boolean().optional(),
})

export const Root = z.object({
  id: RootId,
  path: z.string(),
  photoCount: z.number().int(),
  exclusions: z.array(z.string()),
  /** Why the folder cannot be watched right now (unplugged disk, permissions), if so. */
  problem: z.string().nullable(),
})

export const FolderCount = z.object({ rootId: RootId, path: z.string(), count: z.number().int() })

export const MonthGroup = z.object({ month: z.string(), label: z.string(), count: z.number().int() })

/** Who wrote the current caption: the model, the person, or nobody yet. */
export const CaptionFilter = z.enum(['auto', 'reviewed', 'user', 'none'])

/** One meaning wherever a filter is used (grid, search, export): src/main/engine/views/photo-filter.ts. */
/** The grid's date order; photos without a date taken come last either way. */
export const SortOrder = z.enum(['newest', 'oldest'])

export const PhotoFilter = z.strictObject({
  rootId: RootId.optional(),
  folder: z.string().max(4096).optional(),
  status: PhotoStatus.optional(),
  caption: CaptionFilter.optional(),
  hasUserCaption: z.boolean().optional(),
  camera: z.string().max(200).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
})

/**
 * The library's stages as the activity reports them (the engine's scan and
 * ingest are one stage here: finding photos). A training run reports through
 * training.progressed and a pack download through models.info, so a
 * JobProgress is only ever one of these.
 */
export const LibraryJobKind = z.enum(['scan', 'thumbnail', 'embed', 'caption'])
/** What jobs.cancel stops: a library stage, a training run, a pack download or an export. */
export const JobKind = z.enum([...LibraryJobKind.options, 'train', 'export', 'install'])
export const JobState = z.enum(['idle', 'running', 'paused'])

export const JobProgress = z.object({
  kind: LibraryJobKind,
  label: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Items per second over the recent window; null until measurable. */
  rate: z.number().nullable(),
  etaSeconds: z.number().nullable(),
})

export const Failure = z.object({
  photoId: PhotoId,
  name: z.string(),
  path: z.string(),
  stage: z.string(),
  reason: z.string(),
  attempts: z.number().int(),
})

/** All background photo work as one figure, in photos (not jobs), with the stages under it. */
export const OverallProgress = z.object({
  /** "Preparing 60 new photos", "Captioning 12 photos", "Looking for photos in your folders". */
  label: z.string(),
  done: z.number().int().nonnegative(),
  /** Grows only when more photos are found (while `finding`), never as photos move between stages. */
  total: z.number().int().nonnegative(),
  /** Folders are still being looked through: the total may still rise. */
  finding: z.boolean(),
  etaSeconds: z.number().nullable(),
  /** Stages with work left, in pipeline order: "Reading files", 12 left. */
  phases: z.array(z.object({ label: z.string(), left: z.number().int().nonnegative() })),
})

export const Activity = z.object({
  state: JobState,
  jobs: z.array(JobProgress),
  failures: z.array(Failure),
  /** Absent from an older engine; null when nothing is pending. */
  overall: OverallProgress.nullable().optional(),
  /** What background learning ("keep learning from my corrections") did, newest first. */
  learning: z.array(z.object({ at: z.string(), text: z.string() })).default([]),
})

export const ProviderChoice = z.string().refine((s): boolean => isProviderRequest(s), { message: `expected ${PROVIDER_REQUESTS_TEXT}` })

export const Settings = z.object({
  decoding: DecodeOptions,
  executionProvider: ProviderChoice,
  workerThreads: z.number().int().min(1).max(64),
  activePack: z.string().nullable(),
})

export const SettingsPatch = z.strictObject({
  decoding: DecodeOptions.partial().optional(),
  executionProvider: ProviderChoice.optional(),
  workerThreads: z.number().int().min(1).max(64).optional(),
})

export const ModelPack = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  /** Download size, known before anything starts: the sum of the published sizes of its files. */
  sizeBytes: z.number().int().nonnegative(),
  /** False when some file has no published size (the paper's checkpoints): then it is "sizeBytes + up to (sizeAtMostBytes - sizeBytes)". */
  sizeExact: z.boolean(),
  /** The most the download can be: sizeBytes plus each unsized file's cap. */
  sizeAtMostBytes: z.number().int().nonnegative(),
  installed: z.boolean(),
  active: z.boolean(),
  isTiny: z.boolean(),
  /** Installed files that no public sha256 exists for: trusted on first use, with the sha256 recorded then. */
  trustedOnFirstUse: z.array(z.object({ path: z.string(), sha256: z.string() })),
})

export const ModelsInfo = z.object({
  packs: z.array(ModelPack),
  /** Execution provider actually in use and why a requested one was not. */
  provider: z.string().nullable(),
  providerFallbackReason: z.string().nullable(),
  availableProviders: z.array(z.object({ id: z.string(), label: z.string() })),
  install: z
    .object({
      packId: z.string(),
      receivedBytes: z.number(),
      totalBytes: z.number(),
      state: z.enum(['running', 'done', 'failed', 'cancelled']),
      error: z.string().nullable(),
      /** Download rate over the last seconds and time left at it (null until measured). */
      bytesPerSecond: z.number().nullable().optional(),
      etaSeconds: z.number().nullable().optional(),
      /** The latest restart/retry/mirror change, as a sentence. */
      notice: z.string().nullable().optional(),
    })
    .nullable(),
})

export const SearchSource = z.enum(['words', 'meaning', 'both', 'similar'])

export const SearchHit = z.object({
  photo: PhotoSummary,
  score: z.number(),
  source: SearchSource,
  /** Caption or path text with matches wrapped in [[ ]] (rendered as <mark>, never as HTML). */
  snippet: z.string().nullable(),
})

export const SearchResult = z.object({
  hits: z.array(SearchHit),
  /** True when meaning results are still to come (text tower loading): ask again. */
  meaningPending: z.boolean(),
})

export const ExportFormat = z.enum(['csv', 'json', 'html', 'xmp'])

export const TrainingPoint = z.object({ step: z.number().int(), loss: z.number(), valLoss: z.number().nullable() })

export const TrainingRun = z.object({
  id: z.string(),
  state: z.enum(['running', 'paused', 'done', 'failed', 'cancelled']),
  step: z.number().int(),
  totalSteps: z.number().int(),
  epoch: z.number().int(),
  samplesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  points: z.array(TrainingPoint),
  error: z.string().nullable(),
  /** The execution provider the run trains on ('cpu', 'cuda', …) once known, and why an accelerator was skipped. */
  provider: z.string().nullable().default(null),
  fallbackReason: z.string().nullable().default(null),
})

export const ModelVersion = z.object({
  id: z.string(),
  createdAt: z.string(),
  label: z.string(),
  active: z.boolean(),
  valLoss: z.number().nullable(),
  bleu4: z.number().nullable(),
  cider: z.number().nullable(),
})

export const TrainingSamples = z.array(z.object({ photoId: PhotoId, reference: z.string(), before: z.string(), after: z.string() }))

/** One model measured on the person's held-out captions. */
export const TrainingScore = z.object({ likeYours: z.number().int(), valLoss: z.number().nullable(), bleu4: z.number(), cider: z.number() })

/** The newest version against the model it started from, on the same held-out captions. */
export const TrainingEvaluation = z.object({
  versionId: z.string(),
  heldOut: z.number().int(),
  /** In words: "9 of 10 of your held-out photos now read like yours (before training: 1 of 10)." */
  summary: z.string(),
  before: TrainingScore,
  after: TrainingScore,
})

/** Which captions teach: the person's own, and automatic ones they reviewed; imported camera strings never. */
export const TrainingTeaching = z.object({ user: z.number().int(), reviewed: z.number().int(), imported: z.number().int(), minimumReason: z.string() })

/** "Keep learning from my corrections" (off by default). */
export const ContinuousLearning = z.object({
  enabled: z.boolean(),
  /** New teaching captions needed before a background run starts. */
  minNew: z.number().int(),
  /** Teaching captions added or changed since the last run's. */
  newSinceLast: z.number().int(),
  /** What the last background run decided, in words (null before the first). */
  lastDecision: z.string().nullable(),
})

export const TrainingInfo = z.object({
  /** Captions that teach (the person's own plus the reviewed automatic ones). */
  userCaptions: z.number().int(),
  minimumCaptions: z.number().int(),
  teaching: TrainingTeaching,
  run: TrainingRun.nullable(),
  versions: z.array(ModelVersion),
  samples: TrainingSamples,
  evaluation: TrainingEvaluation.nullable(),
  continuous: ContinuousLearning,
})

/** Left out: planTraining's defaults for that many captions (ml/training/plan.ts). */
export const TrainingOptions = z.strictObject({
  init: z.enum(['pack', 'scratch']).optional(),
  mapping: z.enum(['mlp', 'transformer']).optional(),
  prefixLength: z.number().int().min(1).max(80).optional(),
  tuneGpt2: z.boolean().optional(),
  epochs: z.number().int().min(1).max(100).optional(),
  learningRate: z.number().positive().max(1).optional(),
})

export const ContinuousLearningSettings = z.strictObject({ enabled: z.boolean(), minNew: z.number().int().min(4).max(10_000).optional() })

export const FolderEntry = z.object({ name: z.string(), path: z.string() })
export const FolderListing = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  entries: z.array(FolderEntry),
  /** Shortcuts shown first: home, pictures, mounted volumes. */
  places: z.array(FolderEntry),
})

const Empty = z.strictObject({})
const Ok = z.object({ ok: z.literal(true) })
/** A folder path the user chose; the only path that ever travels from the page. */
const FolderPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'must not contain NUL')

// ---------------------------------------------------------------------------
// The table

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary }
}

export const methods = {
  'app.info': method(
    Empty,
    z.object({
      version: z.string(),
      mode: z.enum(['electron', 'web']),
      dataDir: z.string(),
      dbPath: z.string(),
      firstRun: z.boolean(),
      nativeFolderDialog: z.boolean(),
    }),
    'what runs where',
  ),
  'app.completeWelcome': method(Empty, Ok, 'remember that the welcome was seen'),

  'roots.list': method(Empty, z.array(Root), 'library folders with photo counts'),
  'roots.add': method(z.strictObject({ path: FolderPath }), Root, 'add a library folder and start watching it'),
  'roots.remove': method(z.strictObject({ id: RootId }), Ok, 'stop watching a folder (its captions are kept)'),
  'roots.setExclusions': method(z.strictObject({ id: RootId, patterns: z.array(z.string().max(500)).max(200) }), Root, 'glob patterns to skip'),

  'folders.browse': method(z.strictObject({ path: FolderPath.optional() }), FolderListing, 'server-side folder browser (web mode)'),
  'folders.pick': method(Empty, z.object({ path: z.string().nullable() }), 'native folder dialog (Electron)'),
  'folders.counts': method(Empty, z.array(FolderCount), 'sub-folders with photo counts for the sidebar'),

  'photos.timeline': method(
    z.strictObject({ filter: PhotoFilter.optional(), order: SortOrder.optional() }),
    z.object({ total: z.number().int(), months: z.array(MonthGroup) }),
    'months with counts, newest first (or oldest), undated last',
  ),
  'photos.list': method(
    z.strictObject({
      filter: PhotoFilter.optional(),
      order: SortOrder.optional(),
      offset: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(1000),
    }),
    z.object({ total: z.number().int(), items: z.array(PhotoSummary) }),
    'a page of photos sorted by date taken, newest first (or oldest), undated last',
  ),
  'photos.get': method(z.strictObject({ id: PhotoId }), PhotoDetail, 'one photo with caption history and EXIF'),
  'photos.neighbours': method(
    z.strictObject({ id: PhotoId, filter: PhotoFilter.optional(), order: SortOrder.optional() }),
    z.object({ previous: PhotoId.nullable(), next: PhotoId.nullable() }),
    'previous and next photo in library order',
  ),

  'captions.set': method(z.strictObject({ photoId: PhotoId, text: z.string().trim().min(1).max(2000) }), Caption, 'write a user caption'),
  'captions.regenerate': method(
    z.strictObject({ photoId: PhotoId, decoding: DecodeOptions.partial().optional() }),
    Caption,
    'caption again with greedy or beam decoding',
  ),
  'captions.accept': method(
    z.strictObject({ photoId: PhotoId }),
    Caption,
    'accept the automatic caption as right (review): it is kept, never re-captioned automatically, and counts for learning',
  ),
  'captions.acceptMany': method(
    z.strictObject({ photoIds: z.array(PhotoId).min(1).max(100_000) }),
    z.object({ accepted: z.number().int() }),
    'accept the automatic captions of a selection',
  ),
  'review.queue': method(
    z.strictObject({ filter: PhotoFilter.optional() }),
    z.object({ ids: z.array(PhotoId), reviewed: z.number().int(), total: z.number().int() }),
    'automatic captions not yet reviewed and failed photos, in library order, with progress',
  ),
  'captions.restore': method(z.strictObject({ photoId: PhotoId }), Caption, 'bring back the latest automatic caption'),

  'jobs.activity': method(Empty, Activity, 'progress of every job and failures'),
  'jobs.pause': method(Empty, Ok, 'pause background work'),
  'jobs.resume': method(Empty, Ok, 'resume background work'),
  'jobs.cancel': method(z.strictObject({ kind: JobKind.optional() }), Ok, 'cancel queued work'),
  'jobs.retry': method(z.strictObject({ photoIds: z.array(PhotoId).max(100_000).optional() }), z.object({ queued: z.number().int() }), 'retry failed photos'),

  'settings.get': method(Empty, Settings, 'current settings'),
  'settings.update': method(SettingsPatch, Settings, 'change settings'),

  'models.info': method(Empty, ModelsInfo, 'packs, provider in use'),
  'models.install': method(z.strictObject({ packId: z.string().min(1).max(100) }), Ok, 'download and verify a pack'),
  'models.cancelInstall': method(Empty, Ok, 'stop a pack download'),
  'models.activate': method(z.strictObject({ packId: z.string().min(1).max(100) }), Ok, 'use a pack for new captions'),

  'search.query': method(
    z.strictObject({ text: z.string().max(SEARCH_QUERY_MAX_CHARS), filter: PhotoFilter.optional(), limit: z.number().int().min(1).max(500).default(100) }),
    SearchResult,
    'words + meaning search',
  ),
  'search.similar': method(z.strictObject({ photoId: PhotoId, limit: z.number().int().min(1).max(500).default(100) }), SearchResult, 'more like this'),

  'export.run': method(
    z.strictObject({
      format: ExportFormat,
      photoIds: z.array(PhotoId).max(100_000).optional(),
      query: z.string().max(SEARCH_QUERY_MAX_CHARS).optional(),
      outDir: FolderPath,
      sidecarNaming: z.enum(['photo.jpg.xmp', 'photo.xmp']).optional(),
      /** csv: a leading ' on cells a spreadsheet would run as formulas (default true); false for programs that read CSV as data. */
      csvFormulaGuard: z.boolean().optional(),
    }),
    z.object({ written: z.number().int(), path: z.string(), tooLong: z.number().int() }),
    'export captions as alt text',
  ),

  'training.info': method(Empty, TrainingInfo, 'captions available, run, versions'),
  'training.start': method(TrainingOptions, z.object({ runId: z.string() }), 'learn my style'),
  'training.pause': method(Empty, Ok, 'pause training'),
  'training.resume': method(Empty, Ok, 'resume training'),
  'training.cancel': method(Empty, Ok, 'cancel training'),
  'training.activate': method(z.strictObject({ versionId: z.string().min(1).max(200) }), Ok, 'use a trained model version'),
  'training.continuous': method(ContinuousLearningSettings, Ok, 'keep learning from my corrections (on/off)'),
} as const

export const events = {
  'jobs.progressed': Activity,
  'photos.changed': z.object({ ids: z.array(PhotoId) }),
  'photos.added': z.object({ ids: z.array(PhotoId) }),
  'photos.removed': z.object({ ids: z.array(PhotoId) }),
  'roots.changed': z.object({}),
  'models.progressed': ModelsInfo,
  'training.progressed': TrainingInfo,
  /**
   * The desktop app's engine process (the ML utility process) stopped
   * unexpectedly and is being started again, or is back: the page shows a
   * "restarting the engine" state meanwhile. `photocap serve` never sends it.
   */
  'engine.state': z.object({ state: z.enum(['running', 'restarting']), reason: z.string().nullable() }),
} as const

export type Methods = typeof methods
export type MethodName = keyof Methods
export type EventName = keyof typeof events
/** What a caller passes (defaults may be omitted). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>
/** What a handler receives after parsing (defaults filled in). */
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

export const methodNames = Object.keys(methods) as MethodName[]
export const eventNames = Object.keys(events) as EventName[]

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name)
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name)
}

/** Image kinds the protocol and the HTTP image route serve, by photo id only. */
export const imageKinds = ['thumb', 'preview'] as const
export type ImageKind = (typeof imageKinds)[number]
