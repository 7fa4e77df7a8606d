// The handlers behind the API table: each method of src/shared/api.ts mapped to
// the engine facade (and the ML, search, export and training services). Inputs
// arrive parsed by the dispatcher; outputs are checked by it on the way out.
// Errors a person can act on are ApiErrors with a code; the rest become
// `internal` with their message.
import { formatWallClock } from '../engine/library/dates.ts'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { MethodOutput } from '../../shared/api.ts'
import { ApiError } from '../../shared/errors.ts'
import type { EventBus } from '../../shared/events.ts'
import { overallProgress } from './overall-progress.ts'
import type { Activity, Caption, JobProgress, LibraryJobKind, PhotoSummary, SearchHit } from '../../shared/types.ts'
import type { Engine } from '../engine/engine.ts'
import type { SearchItem } from '../engine/search/search-service.ts'
import { EngineError } from '../engine/errors.ts'
import { photoState } from '../engine/views/photo-filter.ts'
import type { Caption as EngineCaption, JobKind as EngineJobKind, PhotoSummary as EnginePhoto } from '../engine/types.ts'
import type { Highlight } from '../engine/search/word-search.ts'
import { installedPacks } from '../ml/packs/default-pack.ts'
import type { MlService } from '../ml/service.ts'
import { platformProviderChoices, type ProviderRequest } from '../ml/runtime/providers.ts'
import type { AppPrefs } from './app-prefs.ts'
import type { Handlers } from './dispatcher.ts'
import { browseFolder } from './folder-browser.ts'
import { createTrainingRuns } from '../engine/training/training-runs.ts'
import type { TrainingChild } from '../engine/training/training-process.ts'
import { createPackInstalls, knownPacksSafe, packSizeFields, trustedFiles } from './pack-installs.ts'
import { exportAltText } from '../engine/export/exporter.ts'
import { exportSearchResult } from '../engine/export/export-search.ts'

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

const ok = { ok: true as const }

/** The engine's queue kinds behind each library kind the API names ('scan' covers finding and reading files). */
const libraryJobKinds = { scan: ['scan', 'ingest'], thumbnail: ['thumbnail'], embed: ['embed'], caption: ['caption'] } as const satisfies Record<LibraryJobKind, EngineJobKind[]>


/** Drop undefined fields (zod's partial() output) so a patch never erases a value. */
function defined<T extends object>(o: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as never
}

const providerLabels: Record<ProviderRequest, string> = { auto: 'Automatic', cpu: 'CPU', cuda: 'NVIDIA GPU (CUDA)', dml: 'GPU (DirectML)', coreml: 'Apple Neural Engine / GPU (Core ML)', webgpu: 'GPU (WebGPU)' }


const highlightSnippet = (parts: Highlight[] | null): string | null =>
  parts && parts.length > 0 ? parts.map((p) => (p.match ? `[[${p.text}]]` : p.text)).join('') : null

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
  return { text: c.text, provenance: c.provenance, modelId: c.modelId, decoding: c.decoding, createdAt: new Date(c.createdAt).toISOString(), reviewed: c.reviewedAt !== null }
}

export function createHandlers(deps: HandlerDeps) {
  const { engine, prefs } = deps
  const views = engine.views
  const search = engine.search

  const installs = createPackInstalls({ dataDir: deps.dataDir, onChange: () => void modelsInfo().then((m) => deps.events.emit('models.progressed', m)) })
  const training = createTrainingRuns({
    engine, dataDir: deps.dataDir, onChange: (info) => deps.events.emit('training.progressed', info), reloadMl: deps.reloadMl,
    ...(deps.launchTraining ? { launch: deps.launchTraining } : {}),
    // "Keep learning from my corrections" looks once a minute (it does nothing while off, the default).
    continuousEveryMs: deps.continuousEveryMs ?? 60_000,
  })

  const hasThumbnail = (id: number): boolean => {
    const file = engine.photos.thumbnailPath(id, 'small')
    return file !== null && fs.existsSync(file)
  }

  // Only a photo that could not be read (or is missing) may have no thumbnail for good; the
  // others have one or get one soon. So a page of summaries checks the disk for those few only.
  const summary = (p: EnginePhoto): PhotoSummary => {
    const s = toSummary(p)
    return s.status === 'failed' || s.status === 'missing' ? { ...s, hasImage: hasThumbnail(p.id) } : s
  }

  const need = <T>(value: T | null | undefined, what: string): T => {
    if (value === null || value === undefined) throw new ApiError('not_found', what)
    return value
  }

  const rootOut = (r: ReturnType<Engine['roots']['list']>[number]): MethodOutput<'roots.add'> => ({
    id: r.id,
    path: r.path,
    photoCount: views.rootCount(r.id),
    exclusions: r.exclude,
    problem: r.available ? null : 'the folder cannot be found (unplugged disk or deleted folder); its photos are kept',
  })

  function activity(): Activity {
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
      .map((f) => ({ photoId: f.photoId!, name: f.path ? path.basename(f.path) : `photo ${f.photoId}`, path: f.path ?? '', stage: f.kind, reason: f.error, attempts: f.attempts }))
    return { state: p.paused ? 'paused' : p.total > p.done ? 'running' : 'idle', jobs, failures, learning: training.notes(), overall: overallProgress(p) }
  }

  async function modelsInfo(): Promise<MethodOutput<'models.info'>> {
    const info = engine.ml.info()
    const settings = engine.settings.get()
    const installed = installedPacks(deps.dataDir)
    const known = knownPacksSafe(deps.dataDir)
    const activeDir = settings.activePack ? path.resolve(settings.activePack) : null
    const packs: MethodOutput<'models.info'>['packs'] = [
      {
        id: 'tiny',
        name: 'Tiny test pack',
        description: 'Generated on this device for testing; its captions are meaningless.',
        sizeBytes: 0,
        sizeExact: true,
        sizeAtMostBytes: 0,
        installed: true,
        active: info?.isTinyPack ?? (installed.length === 0 && activeDir === null),
        isTiny: true,
        trustedOnFirstUse: [],
      },
      ...installed.map((p) => {
        const k = known.find((m) => m.name === p.name)
        return {
          id: p.name,
          name: p.name,
          description: k?.description ?? `Installed in ${p.dir}`,
          ...packSizeFields(k),
          installed: true,
          active: info ? !info.isTinyPack && (activeDir === null ? info.packName === p.name : activeDir === p.dir) : false,
          isTiny: false,
          trustedOnFirstUse: trustedFiles(p.dir),
        }
      }),
      ...known
        .filter((m) => !installed.some((p) => p.name === m.name))
        .map((m) => ({ id: m.name, name: m.name, description: m.description, ...packSizeFields(m), installed: false, active: false, isTiny: false, trustedOnFirstUse: [] })),
    ]
    return {
      packs,
      provider: info?.provider ?? null,
      providerFallbackReason: info?.providerFallbackReason ?? deps.mlError(),
      availableProviders: platformProviderChoices(process.platform).map((id) => ({ id, label: providerLabels[id] })),
      install: installs.state(),
    }
  }

  const toHit = (item: SearchItem): SearchHit | null => {
    const p = engine.photos.get(item.photoId)
    if (!p) return null
    const source = item.source === 'words' || item.source === 'meaning' || item.source === 'both' ? item.source : 'both'
    return { photo: summary(p), score: item.score, source, snippet: highlightSnippet(item.captionHighlights) ?? highlightSnippet(item.nameHighlights) }
  }

  const table: Handlers = {
    'app.info': () => ({
      version: deps.version,
      mode: deps.mode,
      dataDir: deps.dataDir,
      dbPath: deps.dbPath,
      firstRun: !prefs.get().welcomeDone && engine.roots.list().length === 0,
      nativeFolderDialog: deps.pickFolder !== undefined,
    }),
    'app.completeWelcome': () => {
      prefs.set({ welcomeDone: true })
      return ok
    },

    'roots.list': () => engine.roots.list().map(rootOut),
    'roots.add': async ({ path: p }) => rootOut(await engine.roots.add(p)),
    'roots.remove': async ({ id }) => {
      await engine.roots.remove(id)
      return ok
    },
    'roots.setExclusions': async ({ id, patterns }) => rootOut(await engine.roots.update(id, { exclude: patterns })),

    'folders.browse': ({ path: p }) => browseFolder(p, os.homedir()),
    'folders.pick': async () => ({ path: deps.pickFolder ? await deps.pickFolder() : null }),
    'folders.counts': () => views.folderCounts(),

    'photos.timeline': ({ filter, order }) => views.timeline(filter, order),
    'photos.list': ({ filter, order, offset, limit }) => {
      const page = views.page(filter, offset, limit, order)
      const items = page.ids.map((id) => engine.photos.get(id)).filter((p) => p !== null)
      return { total: page.total, items: items.map(summary) }
    },
    'photos.get': ({ id }) => {
      const p = need(engine.photos.get(id), `no photo with id ${id}`)
      const history = engine.captions.history(id)
      const current = history.find((c) => c.current) ?? null
      const toCaption = wireCaption
      const exif: { label: string; value: string }[] = []
      const camera = [p.cameraMake, p.cameraModel].filter(Boolean).join(' ')
      if (camera) exif.push({ label: 'Camera', value: camera })
      if (p.gpsLat !== null && p.gpsLon !== null) exif.push({ label: 'Location', value: `${p.gpsLat.toFixed(5)}, ${p.gpsLon.toFixed(5)}` })
      if (p.orientation !== null && p.orientation !== 1) exif.push({ label: 'Orientation', value: `EXIF ${p.orientation}` })
      if (p.mime) exif.push({ label: 'Format', value: p.mime })
      if (p.takenOffsetMinutes !== null) exif.push({ label: 'Time zone', value: `UTC${formatWallClock(0, p.takenOffsetMinutes, true).slice(23)}` })
      if (p.takenAt === null) exif.push({ label: 'Date taken', value: 'not recorded in the file' })
      if (p.embeddedDescription !== null && p.embeddedDescription !== p.caption) {
        exif.push({ label: 'Embedded description', value: p.embeddedFiller ? `${p.embeddedDescription} (not used as a caption: ${p.embeddedFiller})` : p.embeddedDescription })
      }
      if (p.decodeNote) exif.push({ label: 'Decoding', value: p.decodeNote })
      if (p.captionStale) exif.push({ label: 'Caption', value: 'written by an earlier model; a new one is on its way' })
      return {
        ...toSummary(p),
        paths: p.paths.map((x) => x.path),
        captionInfo: current ? toCaption(current) : null,
        history: history.filter((c) => !c.current).map(toCaption).reverse(),
        hasAutoCaption: history.some((c) => c.provenance === 'auto'),
        exif,
        sizeBytes: p.size,
        hasImage: hasThumbnail(id),
      }
    },
    'photos.neighbours': ({ id, filter, order }) => views.neighbours(id, filter, order),

    'captions.set': ({ photoId, text }) => wireCaption(engine.captions.set(photoId, text)),
    'captions.regenerate': async ({ photoId, decoding }) => {
      try {
        return wireCaption(await engine.captions.regenerate(photoId, defined(decoding)))
      } catch (error) {
        // the engine knows no model is loaded; the backend knows why
        if (error instanceof EngineError && error.code === 'unavailable' && deps.mlError()) throw new ApiError('unavailable', `${error.message}: ${deps.mlError()}`)
        throw error
      }
    },
    'captions.accept': ({ photoId }) => {
      const photo = need(engine.photos.get(photoId), `no photo with id ${photoId}`)
      const c = engine.captions.accept(photoId)
      // the engine announces the change (captions.changed, sent on as photos.changed)
      if (c) return wireCaption(c)
      // Nothing automatic to accept: the person's own caption is already theirs.
      const current = engine.captions.history(photoId).find((x) => x.current)
      if (current?.provenance === 'user') return wireCaption(current)
      throw new ApiError('conflict', `${photo.paths[0]?.path ?? `photo ${photoId}`} has no caption to accept yet`)
    },
    'captions.acceptMany': ({ photoIds }) => ({ accepted: engine.captions.acceptMany(photoIds) }),
    'review.queue': ({ filter }) => {
      const q = views.reviewQueue(filter)
      return { ids: q.ids, reviewed: q.reviewed, total: q.reviewed + q.ids.length }
    },
    'captions.restore': ({ photoId }) => {
      need(engine.photos.get(photoId), `no photo with id ${photoId}`)
      const auto = engine.captions.history(photoId).filter((c) => c.provenance === 'auto').sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)[0]
      if (!auto) throw new ApiError('conflict', `photo ${photoId} has no automatic caption to restore yet`)
      const c = engine.captions.restore(photoId, auto.id)
      return wireCaption(c)
    },

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

    'settings.get': () => {
      const s = engine.settings.get()
      return { decoding: s.decoding, executionProvider: s.provider, workerThreads: prefs.get().workerThreads, activePack: s.activePack }
    },
    'settings.update': async (patch) => {
      const before = engine.settings.get()
      const beforeThreads = prefs.get().workerThreads
      const next = engine.settings.set({
        ...(patch.decoding ? { decoding: { ...before.decoding, ...defined(patch.decoding) } } : {}),
        ...(patch.executionProvider ? { provider: patch.executionProvider } : {}),
      })
      if (patch.workerThreads !== undefined) prefs.set({ workerThreads: patch.workerThreads })
      // A new provider or thread count means a new ML service; captions stay valid (same model).
      if (next.provider !== before.provider || prefs.get().workerThreads !== beforeThreads) void deps.reloadMl()
      return { decoding: next.decoding, executionProvider: next.provider, workerThreads: prefs.get().workerThreads, activePack: next.activePack }
    },

    'models.info': () => modelsInfo(),
    'models.install': ({ packId }) => (installs.start(packId), ok),
    'models.cancelInstall': () => (installs.cancel(), ok),
    'models.activate': async ({ packId }) => {
      const installed = installedPacks(deps.dataDir)
      if (packId === 'tiny') engine.settings.set({ activePack: null })
      else engine.settings.set({ activePack: need(installed.find((p) => p.name === packId), `no installed pack '${packId}'`).dir })
      void deps.reloadMl()
      return ok
    },

    'search.query': async ({ text, filter, limit }) => {
      const run = search.search(text, { limit, filters: filter })
      // Word results at once while the text tower loads; fused results once it is ready.
      const res = search.meaningReady ? await run.complete : run.words
      return { hits: res.items.map(toHit).filter((h): h is SearchHit => h !== null), meaningPending: res.meaning === 'pending' }
    },
    'search.similar': ({ photoId, limit }) => {
      need(engine.photos.get(photoId), `no photo with id ${photoId}`)
      try {
        const res = search.similar(photoId, { limit })
        // The photo is the reference the view is about, not one of its results.
        const hits = res.items.map(toHit).filter((h): h is SearchHit => h !== null && h.photo.id !== photoId)
        return { hits: hits.map((h) => ({ ...h, source: 'similar' as const })), meaningPending: false }
      } catch (error) {
        throw new ApiError('conflict', error instanceof Error ? error.message : String(error))
      }
    },

    'export.run': async ({ format, photoIds, query, outDir, sidecarNaming, csvFormulaGuard }) => {
      const naming = sidecarNaming === 'photo.xmp' ? 'base' : 'ext'
      const options = { format, outDir, sidecarNaming: naming, csvFormulaGuard: csvFormulaGuard ?? true } as const
      const report = query !== undefined && photoIds === undefined ? await exportSearchResult(engine.db, search, query, options) : await exportAltText(engine.db, { ...options, ...(photoIds ? { photoIds } : {}) })
      return { written: report.written, path: report.path, tooLong: report.tooLong }
    },

    'training.info': () => training.info(),
    'training.start': (options) => training.start(options),
    'training.pause': () => (training.pause(), ok),
    'training.resume': () => (training.resume(), ok),
    'training.cancel': () => (training.cancel(), ok),
    'training.activate': async ({ versionId }) => (await training.activate(versionId), ok),
    'training.continuous': (s) => (training.setContinuous(s), ok),
  }

  return {
    table,
    activity,
    close: () => {
      training.close()
      installs.cancel()
    },
    modelsInfo,
    /** A new ML service: search gets its text tower from it, loading at once. */
    onMlChanged(ml: MlService): void {
      void search.useText(ml).catch(() => undefined)
    },
  }
}
