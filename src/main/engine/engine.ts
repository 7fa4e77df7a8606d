// The composition root of the library engine: `createEngine()` wires the
// database, queue, pipeline, runner and root keeper (watcher, periodic checks),
// and composes the `Engine` facade every front door (Electron IPC, HTTP bridge,
// CLI) calls from one object per domain, each built in facade/ from the few
// parts it needs. See README.md.
import path from 'node:path'
import type { MlService } from '../ml/service.ts'
import { openDatabase, openReader, type LibraryDb } from './db/database.ts'
import { Emitter } from './events.ts'
import type { WalkFs } from './library/scanner.ts'
import type { FastIdentity } from './library/identity.ts'
import { LibraryStore } from './library/store.ts'
import { Pipeline } from './jobs/pipeline.ts'
import { JobQueue, Priority } from './jobs/queue.ts'
import { JobRunner } from './jobs/runner.ts'
import { readSettings } from './settings.ts'
import type { EngineEvents, JobKind, LibraryStatus } from './types.ts'
import { runnableJobKinds } from './types.ts'
import { createLibraryViews, type LibraryViews } from './views/library-views.ts'
import { SearchService } from './search/search-service.ts'
import { closeExiftool } from './library/exiftool-reader.ts'
import { ActiveModel } from './facade/active-model.ts'
import { RootKeeper } from './facade/root-keeper.ts'
import { createRoots, type RootsFacade } from './facade/roots.ts'
import { createPhotos, type PhotosFacade } from './facade/photos.ts'
import { createCaptions, type CaptionsFacade } from './facade/captions.ts'
import { createJobs, type JobsFacade } from './facade/jobs.ts'
import { createSettings, type SettingsFacade } from './facade/settings.ts'
import { createMl, reconcile, type MlFacade } from './facade/ml.ts'

export interface EngineOptions {
  /** The library database file (created if absent). */
  dbPath: string
  /** Photocap's data folder (default database, ML caches). */
  dataDir: string
  /** Thumbnail cache; default `<dataDir>/cache`. */
  cacheDir?: string
  /** The ML service; null or absent = index without ML (no embeddings, no captions). */
  ml?: MlService | null
  /** Milliseconds a changed file must be stable before the watcher reports it. */
  watchStabilityMs?: number
  /** How often unavailable roots are checked for coming back. */
  rootRecheckMs?: number
  /** Test seam: the file-system calls of the scanner. */
  walkFs?: WalkFs
  /** Test seam: reading a file's identity (to inject read errors as root, where chmod denies nothing). */
  identify?: (file: string) => Promise<FastIdentity>
}

export interface Engine {
  readonly db: LibraryDb
  readonly events: Pick<Emitter<EngineEvents>, 'on' | 'once'>
  /** Recover interrupted jobs, forget long-missing photos, scan every root, run the queue; optionally watch. */
  start(options?: { watch?: boolean; scan?: boolean }): Promise<void>
  close(): Promise<void>
  status(): LibraryStatus
  /** Browsing views under a filter (grid pages, months, neighbours, folder counts); kept fresh by the engine's own events. */
  readonly views: LibraryViews
  /**
   * Search by words and meaning under the same filters ([Note: words first,
   * meaning when ready] in search/search-service.ts). It gets its text tower
   * from `ml.use`, or from `search.useText` where a door loads only the text
   * tower (the CLI's search commands).
   */
  readonly search: SearchService

  roots: RootsFacade
  photos: PhotosFacade
  captions: CaptionsFacade
  jobs: JobsFacade
  settings: SettingsFacade
  ml: MlFacade
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const db = openDatabase(options.dbPath)
  const events = new Emitter<EngineEvents>()
  const store = new LibraryStore(db)
  const queue = new JobQueue(db)
  const cacheDir = options.cacheDir ?? path.join(options.dataDir, 'cache')
  const model = new ActiveModel(db)
  const runnableKinds = (): JobKind[] => runnableJobKinds(model.current !== null)
  const pipeline = new Pipeline({
    db,
    store,
    queue,
    events,
    cacheDir,
    ml: () => model.current,
    decoding: () => readSettings(db).decoding,
    ...(options.walkFs ? { walkFs: options.walkFs } : {}),
    ...(options.identify ? { identify: options.identify } : {}),
  })
  const runner = new JobRunner({ queue, pipeline, events, runnableKinds })
  // The query side reads through its own read-only handle ([Note: SQLite discipline] in db/database.ts).
  const reader = openReader(db)
  const views = createLibraryViews(reader, () => store.listRoots())
  // Any change to photos, captions or folders drops the cached views ([Note: view caches]).
  for (const name of ['photos.added', 'photos.changed', 'photos.missing', 'photos.removed', 'captions.changed', 'roots.changed'] as const)
    events.on(name, () => views.invalidate())
  // The active embedding model decides whose vectors are searched; without a service, the text tower's own model (or the newest in the library).
  const search = new SearchService(reader, { text: options.ml ?? null, embeddingModelId: () => model.current?.info.embeddingModelId ?? null, writer: db })
  const keeper = new RootKeeper({
    db,
    store,
    queue,
    runner,
    events,
    cacheDir,
    ...(options.watchStabilityMs !== undefined ? { watchStabilityMs: options.watchStabilityMs } : {}),
    ...(options.rootRecheckMs !== undefined ? { rootRecheckMs: options.rootRecheckMs } : {}),
  })
  const jobs = createJobs({ db, store, queue, runner, events, runnableKinds })
  let closed = false

  const engine: Engine = {
    db,
    events,
    views,
    search,

    async start(startOptions = {}) {
      queue.recover()
      await keeper.purge()
      if (startOptions.scan !== false) for (const r of store.listRoots()) queue.enqueue('scan', { rootId: r.id }, Priority.fresh)
      reconcile({ db, queue, runner, model })
      runner.start()
      if (startOptions.watch) await keeper.watch()
    },

    async close() {
      if (closed) return
      closed = true
      await keeper.close()
      await runner.stop()
      try {
        queue.recover()
      } catch {
        // a full or read-only database: the next start recovers instead
      }
      if (reader !== db) reader.close()
      db.close()
      // exiftool's processes (RAW, TIFF, HEIF metadata) end with the engine; a later read starts them again.
      await closeExiftool()
    },

    status() {
      const byStatus = store.countByStatus()
      const info = model.ids()
      return {
        photos: Object.values(byStatus).reduce((a, b) => a + b, 0),
        byStatus,
        byState: views.stateCounts(),
        missing: store.countMissing(),
        staleCaptions: info ? store.countStaleCaptions(info.captionModelId) : 0,
        staleEmbeddings: info ? store.countStaleEmbeddings(info.embeddingModelId) : 0,
        userCaptions: store.countUserCaptions(),
        jobs: runner.progress(),
        failures: jobs.failures(),
        roots: store.listRoots(),
      }
    },

    roots: createRoots({ db, store, queue, runner, events, keeper }),
    photos: createPhotos({ store, cacheDir, captionModelId: () => model.captionModelId() }),
    captions: createCaptions({ db, store, events, model: () => model.current, decoding: () => readSettings(db).decoding }),
    jobs,
    settings: createSettings(db, events),
    ml: createMl({ db, queue, runner, model, search }),
  }

  if (options.ml) {
    try {
      model.current = { service: options.ml, info: await options.ml.info() }
    } catch (error) {
      if (reader !== db) reader.close()
      db.close()
      throw error
    }
  }
  return engine
}
