// Test factories: one valid input and one valid output for every method of the
// table, and one payload per event. The mapped types make the compiler demand a
// row for every new method, so adapter tests that iterate the table cannot
// silently skip one. Used by the adapter tests and the renderer's fake transport.
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from './api.ts'
import type { PhotoDetail, PhotoSummary, Activity, ModelsInfo, TrainingInfo, Settings, Root, Caption } from './types.ts'

export function samplePhoto(id: number, over: Partial<PhotoSummary> = {}): PhotoSummary {
  const day = String((id % 28) + 1).padStart(2, '0')
  const month = String((Math.floor(id / 28) % 12) + 1).padStart(2, '0')
  return {
    id,
    name: `IMG_${String(id).padStart(4, '0')}.jpg`,
    folder: '/photos/holiday',
    takenAt: `2024-${month}-${day}T10:00:00.000Z`,
    width: 4000,
    height: 3000,
    status: 'done',
    error: null,
    caption: `A photo number ${id} of a quiet street.`,
    provenance: 'auto',
    reviewed: false,
    ...over,
  }
}

export const sampleCaption: Caption = {
  text: 'A dog running on a beach at sunset.',
  provenance: 'auto',
  modelId: 'tiny-1',
  decoding: { method: 'greedy', beamSize: 5, maxTokens: 67 },
  createdAt: '2024-05-01T10:00:00.000Z',
  reviewed: false,
}

export function samplePhotoDetail(id: number, over: Partial<PhotoDetail> = {}): PhotoDetail {
  return {
    ...samplePhoto(id),
    caption: sampleCaption.text,
    paths: [`/photos/holiday/IMG_${String(id).padStart(4, '0')}.jpg`],
    captionInfo: sampleCaption,
    history: [],
    hasAutoCaption: true,
    exif: [
      { label: 'Camera', value: 'Canon EOS 5D' },
      { label: 'Date taken', value: '1 May 2024, 10:00' },
    ],
    sizeBytes: 2_400_000,
    ...over,
  }
}

export const sampleRoot: Root = { id: 1, path: '/photos', photoCount: 3, exclusions: [], problem: null }
export const sampleActivity: Activity = {
  state: 'running',
  jobs: [{ kind: 'caption', label: 'Captioning', done: 40, total: 100, failed: 1, rate: 4.5, etaSeconds: 13 }],
  failures: [{ photoId: 3, name: 'broken.jpg', path: '/photos/broken.jpg', stage: 'thumbnail', reason: 'Input file is truncated', attempts: 3 }],
  learning: [],
}
export const sampleSettings: Settings = {
  decoding: { method: 'greedy', beamSize: 5, maxTokens: 67 },
  executionProvider: 'auto',
  workerThreads: 2,
  activePack: 'tiny',
}
export const sampleModels: ModelsInfo = {
  packs: [
    {
      id: 'tiny',
      name: 'Tiny test pack',
      description: 'Random weights for testing; captions are meaningless.',
      sizeBytes: 2_000_000,
      sizeExact: true,
      sizeAtMostBytes: 2_000_000,
      installed: true,
      active: true,
      isTiny: true,
      trustedOnFirstUse: [],
    },
    {
      id: 'coco-mlp',
      name: 'ClipCap COCO (MLP)',
      description: 'CLIP ViT-B/32 + GPT-2, trained on COCO captions.',
      sizeBytes: 1_200_000_000,
      sizeExact: false,
      sizeAtMostBytes: 2_270_000_000,
      installed: false,
      active: false,
      isTiny: false,
      trustedOnFirstUse: [],
    },
  ],
  provider: 'cpu',
  providerFallbackReason: null,
  availableProviders: [
    { id: 'auto', label: 'Automatic' },
    { id: 'cpu', label: 'CPU' },
  ],
  install: null,
}
export const sampleTraining: TrainingInfo = {
  userCaptions: 12,
  minimumCaptions: 20,
  teaching: { user: 10, reviewed: 2, imported: 3, minimumReason: '16 to learn from and 4 kept aside to check the result' },
  run: null,
  versions: [],
  samples: [],
  evaluation: null,
  continuous: { enabled: false, minNew: 20, newSinceLast: 12, lastDecision: null },
}

export const sampleInputs: { [M in MethodName]: MethodInput<M> } = {
  'app.info': {},
  'app.completeWelcome': {},
  'roots.list': {},
  'roots.add': { path: '/photos' },
  'roots.remove': { id: 1 },
  'roots.setExclusions': { id: 1, patterns: ['**/tmp/**'] },
  'folders.browse': {},
  'folders.pick': {},
  'folders.counts': {},
  'photos.timeline': {},
  'photos.list': { offset: 0, limit: 50 },
  'photos.get': { id: 1 },
  'photos.neighbours': { id: 1 },
  'captions.set': { photoId: 1, text: 'My dog Rex on the beach.' },
  'captions.regenerate': { photoId: 1, decoding: { method: 'beam' } },
  'captions.restore': { photoId: 1 },
  'captions.accept': { photoId: 1 },
  'captions.acceptMany': { photoIds: [1, 2] },
  'review.queue': {},
  'jobs.activity': {},
  'jobs.pause': {},
  'jobs.resume': {},
  'jobs.cancel': {},
  'jobs.retry': {},
  'settings.get': {},
  'settings.update': { workerThreads: 2 },
  'models.info': {},
  'models.install': { packId: 'coco-mlp' },
  'models.cancelInstall': {},
  'models.activate': { packId: 'tiny' },
  'search.query': { text: 'dog' },
  'search.similar': { photoId: 1 },
  'export.run': { format: 'csv', outDir: '/tmp/out' },
  'training.info': {},
  'training.start': {},
  'training.pause': {},
  'training.resume': {},
  'training.cancel': {},
  'training.activate': { versionId: 'v1' },
  'training.continuous': { enabled: true },
}

const ok = { ok: true as const }

export const sampleOutputs: { [M in MethodName]: MethodOutput<M> } = {
  'app.info': { version: '0.1.0', mode: 'web', dataDir: '/data', dbPath: '/data/library.db', firstRun: false, nativeFolderDialog: false },
  'app.completeWelcome': ok,
  'roots.list': [sampleRoot],
  'roots.add': sampleRoot,
  'roots.remove': ok,
  'roots.setExclusions': sampleRoot,
  'folders.browse': { path: '/photos', parent: '/', entries: [{ name: 'holiday', path: '/photos/holiday' }], places: [{ name: 'Home', path: '/home/me' }] },
  'folders.pick': { path: null },
  'folders.counts': [{ rootId: 1, path: '/photos', count: 3 }],
  'photos.timeline': { total: 3, months: [{ month: '2024-05', label: 'May 2024', count: 3 }] },
  'photos.list': {
    total: 3,
    items: [samplePhoto(1), samplePhoto(2), samplePhoto(3, { status: 'failed', error: 'Input file is truncated', caption: null, provenance: null })],
  },
  'photos.get': samplePhotoDetail(1),
  'photos.neighbours': { previous: null, next: 2 },
  'captions.set': { ...sampleCaption, provenance: 'user', modelId: null, decoding: null },
  'captions.regenerate': sampleCaption,
  'captions.restore': sampleCaption,
  'captions.accept': { ...sampleCaption, reviewed: true },
  'captions.acceptMany': { accepted: 2 },
  'review.queue': { ids: [1, 2, 3], reviewed: 38, total: 41 },
  'jobs.activity': sampleActivity,
  'jobs.pause': ok,
  'jobs.resume': ok,
  'jobs.cancel': ok,
  'jobs.retry': { queued: 1 },
  'settings.get': sampleSettings,
  'settings.update': sampleSettings,
  'models.info': sampleModels,
  'models.install': ok,
  'models.cancelInstall': ok,
  'models.activate': ok,
  'search.query': {
    hits: [{ photo: samplePhoto(1, { caption: 'A dog on a beach' }), score: 0.9, source: 'both', snippet: 'A [[dog]] on a beach' }],
    meaningPending: false,
  },
  'search.similar': { hits: [{ photo: samplePhoto(2), score: 0.8, source: 'similar', snippet: null }], meaningPending: false },
  'export.run': { written: 3, path: '/tmp/out/captions.csv', tooLong: 0 },
  'training.info': sampleTraining,
  'training.start': { runId: 'run-1' },
  'training.pause': ok,
  'training.resume': ok,
  'training.cancel': ok,
  'training.activate': ok,
  'training.continuous': ok,
}

export const samplePayloads: { [E in EventName]: EventPayload<E> } = {
  'jobs.progressed': sampleActivity,
  'photos.changed': { ids: [1] },
  'photos.added': { ids: [4] },
  'photos.removed': { ids: [2] },
  'roots.changed': {},
  'models.progressed': sampleModels,
  'training.progressed': sampleTraining,
  'engine.state': { state: 'restarting', reason: 'ML worker exited unexpectedly (signal SIGKILL)' },
}
