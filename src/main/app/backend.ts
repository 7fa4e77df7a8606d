// [Note: Backend composition root]
// One function builds what every front door serves: the library engine, the ML
// service (loaded in the background so the interface is up at once), the search
// service, the API handlers and dispatcher, the API event bus fed from the
// engine's events, and the image source keyed by photo id. `photocap serve`
// puts the HTTP bridge in front of it; Electron puts IPC and its image protocol
// in front of the very same object. Nothing here imports Electron.
import fs from 'node:fs'
import path from 'node:path'
import type { MlService } from '../ml/service.ts'
import { createEngine, type Engine } from '../engine/engine.ts'
import { EventBus } from '../../shared/events.ts'
import type { Activity } from '../../shared/types.ts'
import { createDispatcher, type Dispatcher } from './dispatcher.ts'
import { createHandlers } from './handlers.ts'
import type { ImageSource } from './image-request.ts'
import { AppPrefs } from './app-prefs.ts'
import type { TrainingChild } from '../engine/training/training-process.ts'

export interface MlFactoryOptions {
  packDir: string | null
  dataDir: string
  provider: string
  threads: number
}

export type MlFactory = (options: MlFactoryOptions) => Promise<MlService>

export interface BackendOptions {
  mode: 'web' | 'electron'
  dbPath: string
  dataDir: string
  cacheDir: string
  /** A pack folder that overrides the library's active pack (`--pack`). */
  packDir?: string | null
  /** How to start the ML service; null runs without ML (index and thumbnails only). */
  createMl: MlFactory | null
  /** Electron's native folder dialog; absent under `photocap serve`. */
  pickFolder?: () => Promise<string | null>
  /** How to start the training child process (Electron: a utilityProcess adapter); default child_process.fork. */
  launchTraining?: (entry: string) => TrainingChild
  watch?: boolean
  version?: string
  log?: (text: string) => void
}

export interface Backend {
  engine: Engine
  dispatcher: Dispatcher
  events: EventBus
  images: ImageSource
  /** Resolves when the ML service is loaded (or failed to load). */
  mlReady: Promise<void>
  close(): Promise<void>
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const log = options.log ?? ((text: string) => console.error(text))
  fs.mkdirSync(path.dirname(options.dbPath), { recursive: true })
  const engine = await createEngine({ dbPath: options.dbPath, dataDir: options.dataDir, cacheDir: options.cacheDir })
  const prefs = new AppPrefs(`${options.dbPath}.app.json`)
  const events = new EventBus()

  // ---- ML: loaded in the background; swapped when the provider or threads change.
  let ml: MlService | null = null
  let mlError: string | null = options.createMl ? null : 'no model is loaded'
  let mlLoading: Promise<void> = Promise.resolve()
  const loadMl = (): Promise<void> => {
    if (!options.createMl) return Promise.resolve()
    const create = options.createMl
    mlLoading = (async () => {
      const settings = engine.settings.get()
      try {
        const next = await create({
          packDir: options.packDir ?? settings.activePack,
          dataDir: options.dataDir,
          provider: settings.provider,
          threads: prefs.get().workerThreads,
        })
        const old = ml
        ml = next
        mlError = null
        await engine.ml.use(next)
        await old?.close().catch(() => undefined)
        handlers.onMlChanged(next)
      } catch (error) {
        mlError = error instanceof Error ? error.message : String(error)
        log(`photocap: the model could not be loaded: ${mlError}`)
      }
      events.emit('models.progressed', await handlers.modelsInfo())
    })()
    return mlLoading
  }

  const handlers = createHandlers({
    engine,
    prefs,
    mode: options.mode,
    dbPath: options.dbPath,
    dataDir: options.dataDir,
    version: options.version ?? packageVersion(),
    ml: () => ml,
    mlError: () => mlError,
    reloadMl: () => loadMl(),
    events,
    ...(options.pickFolder ? { pickFolder: options.pickFolder } : {}),
    ...(options.launchTraining ? { launchTraining: options.launchTraining } : {}),
  })

  // ---- Engine events -> API events (throttled where the engine is chatty).
  const offs: (() => void)[] = []
  let activityTimer: NodeJS.Timeout | null = null
  const pushActivity = (): void => {
    if (activityTimer) return
    activityTimer = setTimeout(() => {
      activityTimer = null
      try {
        events.emit('jobs.progressed', handlers.activity() satisfies Activity)
      } catch {
        // closed meanwhile
      }
    }, 200)
  }
  offs.push(
    engine.events.on('jobs.progressed', pushActivity),
    engine.events.on('jobs.failed', pushActivity),
    engine.events.on('jobs.drained', pushActivity),
    engine.events.on('photos.added', (e) => events.emit('photos.added', { ids: e.ids })),
    engine.events.on('photos.changed', (e) => events.emit('photos.changed', { ids: e.ids })),
    engine.events.on('photos.missing', (e) => events.emit('photos.changed', { ids: e.ids })),
    engine.events.on('photos.removed', (e) => events.emit('photos.removed', { ids: e.ids })),
    engine.events.on('captions.changed', (e) => events.emit('photos.changed', { ids: [e.photoId] })),
    engine.events.on('roots.changed', () => events.emit('roots.changed', {})),
    engine.events.on('engine.errored', (e) => log(`photocap: ${e.message}`)),
  )

  await engine.start({ watch: options.watch ?? true })
  void loadMl()

  const images: ImageSource = async (kind, id, width) => {
    const file = kind === 'thumb' ? engine.photos.thumbnailPath(id, 'small') : await engine.photos.preview(id, width)
    if (!file || !fs.existsSync(file)) return null
    return { mime: 'image/jpeg', file }
  }

  return {
    engine,
    dispatcher: createDispatcher(handlers.table, {
      onError: (method, error) => log(`photocap: ${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    }),
    events,
    images,
    get mlReady() {
      return mlLoading
    },
    async close() {
      for (const off of offs) off()
      handlers.close()
      if (activityTimer) clearTimeout(activityTimer)
      await engine.close()
      await ml?.close().catch(() => undefined)
    },
  }
}
