// The composition root of the library engine: `createEngine()` wires the
// database, queue, pipeline, runner and watcher, and returns the `Engine`
// facade every front door (Electron IPC, HTTP bridge, CLI) calls. See README.md.
import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { DecodeOptions, MlInfo, MlService } from '../ml/service.ts'
import { openDatabase, openReader, type LibraryDb } from './db/database.ts'
import { EngineError } from './errors.ts'
import { Emitter } from './events.ts'
import { makePreview, previewPath, previewSize, thumbnailPath, type ThumbnailSize } from './library/images.ts'
import type { WalkFs } from './library/scanner.ts'
import type { FastIdentity } from './library/identity.ts'
import { LibraryStore } from './library/store.ts'
import { Pipeline } from './jobs/pipeline.ts'
import { JobQueue, Priority } from './jobs/queue.ts'
import { JobRunner } from './jobs/runner.ts'
import { readInternal, readSettings, writeInternal, writeSettings } from './settings.ts'
import type {
  Caption, EngineEvents, JobFailure, JobKind, JobProgress, LibraryStatus, PhotoDetail, PhotoQuery, PhotoStatus, PhotoSummary, Root, RootOptions, Settings,
} from './types.ts'
import { runnableJobKinds } from './types.ts'
import { LibraryWatcher, type WatchChange } from './watch/watcher.ts'
import { createLibraryViews, type LibraryViews } from './views/library-views.ts'
import { SearchService } from './search/search-service.ts'
import { closeExiftool } from './library/exiftool-reader.ts'

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

  roots: {
    add(folder: string, options?: RootOptions): Promise<Root>
    update(id: number, options: RootOptions): Promise<Root>
    remove(id: number): Promise<void>
    list(): Root[]
    /** Queue a scan of one root or all. */
    rescan(id?: number): void
  }
  photos: {
    list(query?: PhotoQuery): PhotoSummary[]
    count(status?: PhotoStatus | 'missing'): number
    get(id: number): PhotoDetail | null
    /** Id of the photo a file belongs to, by absolute path. */
    idByPath(absPath: string): number | null
    /** Cached thumbnail file, or null while not made yet. */
    thumbnailPath(id: number, size: ThumbnailSize): string | null
    /**
     * The photo view's 960 px preview, made from the original the first time
     * it is asked for ([Note: thumbnail and preview] in library/images.ts); the
     * thumbnail when the original is away or cannot be decoded; null before
     * the photo has a thumbnail. `width`: the long side the screen needs,
     * served at a size bucket ([Note: screen-sized previews]).
     */
    preview(id: number, width?: number): Promise<string | null>
    /** A present original, for a full-size preview (read it, never write it). */
    originalPath(id: number): string | null
  }
  captions: {
    /** Write a `user` caption; it becomes current and nothing automatic replaces it. */
    set(photoId: number, text: string): Caption
    /** Make an earlier caption current again (e.g. the auto caption after a user edit). */
    restore(photoId: number, captionId: number): Caption
    /**
     * Caption the photo again now, from its stored embedding, with the library's
     * decoding settings overridden by `decoding`. The new automatic caption
     * becomes current unless the person wrote the current one ([Note: user
     * captions win]); it is in the history either way.
     */
    regenerate(photoId: number, decoding?: Partial<DecodeOptions>): Promise<Caption>
    /**
     * A person accepted the current automatic caption as right (review flow):
     * it is marked reviewed, never replaced automatically, and counts as an
     * approved caption. Returns it, or null when there is no automatic caption
     * to accept (none yet, or the person's own).
     */
    accept(photoId: number): Caption | null
    history(photoId: number): Caption[]
  }
  jobs: {
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
  settings: {
    get(): Settings
    set(patch: Partial<Settings>): Settings
  }
  ml: {
    /** Switch the ML service (a new pack): marks other models' output stale and re-processes it. */
    use(service: MlService | null): Promise<void>
    info(): MlInfo | null
  }
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const db = openDatabase(options.dbPath)
  const events = new Emitter<EngineEvents>()
  const store = new LibraryStore(db)
  const queue = new JobQueue(db)
  const cacheDir = options.cacheDir ?? path.join(options.dataDir, 'cache')
  let ml: { service: MlService; info: MlInfo } | null = null
  const pipeline = new Pipeline({
    db, store, queue, events, cacheDir, ml: () => ml, decoding: () => readSettings(db).decoding,
    ...(options.walkFs ? { walkFs: options.walkFs } : {}),
    ...(options.identify ? { identify: options.identify } : {}),
  })
  const runner = new JobRunner({
    queue, pipeline, events,
    runnableKinds: () => runnableJobKinds(ml !== null),
  })
  // The query side reads through its own read-only handle ([Note: SQLite discipline] in db/database.ts).
  const reader = openReader(db)
  const views = createLibraryViews(reader, () => store.listRoots())
  // Any change to photos, captions or folders drops the cached views ([Note: view caches]).
  for (const name of ['photos.added', 'photos.changed', 'photos.missing', 'photos.removed', 'captions.changed', 'roots.changed'] as const) events.on(name, () => views.invalidate())
  // The active embedding model decides whose vectors are searched; without a service, the text tower's own model (or the newest in the library).
  const search = new SearchService(reader, { text: options.ml ?? null, embeddingModelId: () => ml?.info.embeddingModelId ?? null, writer: db })
  let watcher: LibraryWatcher | null = null
  let recheckTimer: NodeJS.Timeout | null = null
  let closed = false

  /** The models last used with this library (recorded by reconcile), for when none is loaded. */
  const storedModels = (): { embeddingModelId: string; captionModelId: string } | null => {
    const stored = readInternal(db, 'models')
    try {
      const m = stored ? (JSON.parse(stored) as { embeddingModelId?: unknown; captionModelId?: unknown }) : null
      return m && typeof m.embeddingModelId === 'string' && typeof m.captionModelId === 'string' ? { embeddingModelId: m.embeddingModelId, captionModelId: m.captionModelId } : null
    } catch {
      return null
    }
  }

  /** The caption model captions are compared with: the loaded one, else the last one used with this library. */
  const activeCaptionModel = (): string | null => ml?.info.captionModelId ?? storedModels()?.captionModelId ?? null

  /** Queue embeddings and captions the active model has not made yet (after a pack change or for old photos). */
  const reconcile = (): void => {
    if (!ml) return
    const { embeddingModelId, captionModelId } = ml.info
    db.tx(() => {
      queue.enqueueModelBacklog(embeddingModelId, captionModelId)
      writeInternal(db, 'models', JSON.stringify({ embeddingModelId, captionModelId }))
    })
    runner.poke()
  }

  const previewsInFlight = new Map<string, Promise<void>>()

  /** Thumbnails of forgotten photos leave the cache too (the cache only grows with the library). */
  const dropThumbnails = async (): Promise<void> => {
    for (const key of store.takeUnusedThumbKeys()) {
      for (const size of ['small', 'large'] as const) await fs.rm(thumbnailPath(cacheDir, key, size), { force: true })
    }
  }

  const onChanges = (changes: WatchChange[]): void => {
    if (closed) return
    const missing: number[] = []
    try {
      db.tx(() => {
        for (const c of changes) {
          if (c.kind === 'file-added' || c.kind === 'file-changed') queue.enqueue('ingest', { rootId: c.rootId, relPath: c.rel }, Priority.fresh)
          else if (c.kind === 'file-removed') missing.push(...store.markMissing(c.rootId, [c.rel]))
          else if (c.rel === '') {
            // The root itself went away: keep its photos; check for its return.
            store.setRootAvailable(c.rootId, false)
          } else missing.push(...store.markMissing(c.rootId, [c.rel], true))
        }
      })
    } catch (error) {
      events.emit('engine.errored', { message: `could not record file changes: ${error instanceof Error ? error.message : String(error)}` })
      return
    }
    if (missing.length) events.emit('photos.missing', { ids: missing })
    if (changes.some((c) => c.kind === 'folder-removed' && c.rel === '')) {
      const gone = changes.find((c) => c.rel === '')!.rootId
      watcher?.remove(gone).catch((error: unknown) => events.emit('engine.errored', { message: `could not stop watching root ${gone}: ${error instanceof Error ? error.message : String(error)}` }))
      events.emit('roots.changed', { roots: store.listRoots() })
    }
    runner.poke()
  }

  /**
   * Unavailable roots (unplugged disk, deleted folder) are checked periodically;
   * when back: rescan and watch. So are folder links inside a root that could
   * not be followed (a linked disk not mounted yet): chokidar never looks at a
   * dangling link again, so once it resolves the root is rescanned and watched anew.
   */
  const recheckRoots = async (): Promise<void> => {
    for (const root of store.listRoots()) {
      const there = await fs.stat(root.path).then((s) => s.isDirectory(), () => false)
      // Once per comeback: the scan it queues clears the link from the root's scan errors.
      const waiting = (linkRescanAt.get(root.id) ?? -Infinity) > (root.lastScanAt ?? -Infinity)
      if (there && root.available && !waiting && watcher?.watching(root.id) && (await aLinkCameBack(root.id))) {
        linkRescanAt.set(root.id, Date.now())
        await watcher.remove(root.id)
        if (closed) return
      }
      if (there && (!root.available || (watcher && !watcher.watching(root.id)))) {
        store.setRootAvailable(root.id, true)
        queue.enqueue('scan', { rootId: root.id }, Priority.fresh)
        if (watcher && !closed) await watcher.add({ ...root, available: true }).catch(() => undefined)
        events.emit('roots.changed', { roots: store.listRoots() })
        runner.poke()
      } else if (!there && root.available) {
        store.setRootAvailable(root.id, false)
        events.emit('roots.changed', { roots: store.listRoots() })
      }
    }
  }

  const linkRescanAt = new Map<number, number>()
  const aLinkCameBack = async (rootId: number): Promise<boolean> => {
    for (const problem of store.rootScanErrors(rootId)) {
      if (problem.kind !== 'link') continue
      if (await fs.stat(problem.path).then((s) => s.isDirectory(), () => false)) return true
    }
    return false
  }

  const idleWaiters = (signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let off = (): void => undefined
      let timer: NodeJS.Timeout | null = null
      const check = (): void => {
        if (runner.fatal) return finish(runner.fatal)
        if (signal?.aborted) return finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
        if (runner.isIdle && queue.nextKind(runnableJobKinds(ml !== null)) === null) return finish(null)
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
    })

  const engine: Engine = {
    db,
    events,
    views,
    search,

    async start(startOptions = {}) {
      queue.recover()
      const gone = store.purgeMissing(readSettings(db).missingGraceDays * 86_400_000)
      await dropThumbnails()
      if (gone.length) events.emit('photos.removed', { ids: gone })
      if (startOptions.scan !== false) for (const r of store.listRoots()) queue.enqueue('scan', { rootId: r.id }, Priority.fresh)
      reconcile()
      runner.start()
      if (startOptions.watch) {
        watcher = new LibraryWatcher({
          onChanges,
          onError: (rootId, message) => events.emit('engine.errored', { message: `watching root ${rootId}: ${message}` }),
          ...(options.watchStabilityMs !== undefined ? { stabilityMs: options.watchStabilityMs } : {}),
        })
        for (const r of store.listRoots()) {
          const there = await fs.stat(r.path).then((s) => s.isDirectory(), () => false)
          if (there) await watcher.add(r)
        }
        let lastPurge = Date.now()
        recheckTimer = setInterval(() => {
          void recheckRoots().catch(() => undefined)
          // A library watched for weeks forgets long-missing photos without a restart.
          if (Date.now() - lastPurge > 3_600_000) {
            lastPurge = Date.now()
            try {
              const purged = store.purgeMissing(readSettings(db).missingGraceDays * 86_400_000)
              dropThumbnails().catch((error: unknown) => events.emit('engine.errored', { message: `removing thumbnails of forgotten photos failed: ${error instanceof Error ? error.message : String(error)}` }))
              if (purged.length) events.emit('photos.removed', { ids: purged })
            } catch (error) {
              events.emit('engine.errored', { message: `forgetting missing photos failed: ${error instanceof Error ? error.message : String(error)}` })
            }
          }
        }, options.rootRecheckMs ?? 10_000)
      }
    },

    async close() {
      if (closed) return
      closed = true
      if (recheckTimer) clearInterval(recheckTimer)
      await watcher?.close()
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
      const info = ml?.info ?? storedModels()
      return {
        photos: Object.values(byStatus).reduce((a, b) => a + b, 0),
        byStatus,
        byState: views.stateCounts(),
        missing: store.countMissing(),
        staleCaptions: info ? store.countStaleCaptions(info.captionModelId) : 0,
        staleEmbeddings: info ? store.countStaleEmbeddings(info.embeddingModelId) : 0,
        userCaptions: store.countUserCaptions(),
        jobs: runner.progress(),
        failures: engine.jobs.failures(),
        roots: store.listRoots(),
      }
    },

    roots: {
      async add(folder, rootOptions = {}) {
        const abs = path.resolve(folder)
        const st = await fs.stat(abs).catch((error: NodeJS.ErrnoException) => {
          throw new EngineError('invalid_input', `cannot add ${abs}: ${error.code === 'ENOENT' ? 'no such folder' : error.message}`)
        })
        if (!st.isDirectory()) throw new EngineError('invalid_input', `cannot add ${abs}: not a folder`)
        const real = await fs.realpath(abs)
        const overlapping = store.listRoots().find((r) => r.path !== real && (real.startsWith(r.path + path.sep) || r.path.startsWith(real + path.sep)))
        if (overlapping) throw new EngineError('conflict', `cannot add ${real}: it overlaps the library folder ${overlapping.path}`)
        const { root } = db.tx(() => {
          const res = store.upsertRoot(real, rootOptions)
          queue.enqueue('scan', { rootId: res.root.id }, Priority.fresh)
          return res
        })
        if (watcher && !closed) await watcher.add(root)
        events.emit('roots.changed', { roots: store.listRoots() })
        runner.poke()
        return root
      },
      async update(id, rootOptions) {
        const root = store.getRoot(id)
        if (!root) throw new EngineError('not_found', `no library folder with id ${id}`)
        const updated = db.tx(() => {
          const r = store.upsertRoot(root.path, rootOptions).root
          queue.enqueue('scan', { rootId: id }, Priority.fresh)
          return r
        })
        if (watcher && !closed) await watcher.add(updated)
        events.emit('roots.changed', { roots: store.listRoots() })
        runner.poke()
        return updated
      },
      async remove(id) {
        if (!store.getRoot(id)) throw new EngineError('not_found', `no library folder with id ${id}`)
        await watcher?.remove(id)
        runner.abortCurrent()
        const removed = store.deleteRoot(id)
        await dropThumbnails()
        if (removed.length) events.emit('photos.removed', { ids: removed })
        events.emit('roots.changed', { roots: store.listRoots() })
      },
      list: () => store.listRoots(),
      rescan(id) {
        const roots = id === undefined ? store.listRoots() : [store.getRoot(id)].filter((r): r is Root => r !== null)
        db.tx(() => {
          for (const r of roots) queue.enqueue('scan', { rootId: r.id }, Priority.fresh)
        })
        runner.poke()
      },
    },

    photos: {
      list: (query = {}) => store.listPhotos(query, activeCaptionModel()),
      count(status) {
        if (status === 'missing') return engine.status().missing
        return store.countPhotos(status)
      },
      get: (id) => store.getPhoto(id, activeCaptionModel()),
      idByPath(absPath) {
        const abs = path.resolve(absPath)
        let real = abs
        try {
          real = fsSync.realpathSync(abs)
        } catch {
          // a missing file is still looked up by the path it had
        }
        return store.photoIdByPath(real) ?? store.photoIdByPath(abs)
      },
      thumbnailPath(id, size) {
        const key = store.thumbnailInfo(id)?.thumbKey
        return key ? thumbnailPath(cacheDir, key, size) : null
      },
      async preview(id, width) {
        const r = store.thumbnailInfo(id)
        if (!r?.thumbKey) return null
        const key = r.thumbKey
        const size = previewSize(width, r.width !== null && r.height !== null ? Math.max(r.width, r.height) : null)
        const large = previewPath(cacheDir, key, size)
        if (!fsSync.existsSync(large)) {
          const original = store.presentPath(id)
          if (original) {
            // Two views asking at once share one decode.
            const slot = `${key}-${size}`
            let making = previewsInFlight.get(slot)
            if (!making) {
              making = makePreview(original, cacheDir, key, size).then(() => undefined).finally(() => previewsInFlight.delete(slot))
              previewsInFlight.set(slot, making)
            }
            await making.catch(() => undefined)
          }
        }
        if (fsSync.existsSync(large)) return large
        // The default preview, made earlier, is better than the thumbnail while the original is away.
        const standard = thumbnailPath(cacheDir, key, 'large')
        if (fsSync.existsSync(standard)) return standard
        const small = thumbnailPath(cacheDir, key, 'small')
        return fsSync.existsSync(small) ? small : null
      },
      originalPath: (id) => store.presentPath(id),
    },

    captions: {
      set(photoId, text) {
        const clean = text.trim()
        if (clean === '') throw new EngineError('invalid_input', 'a caption cannot be empty')
        if (clean.length > 2000) throw new EngineError('invalid_input', `a caption is at most 2000 characters (got ${clean.length})`)
        const id = db.tx(() => {
          if (!store.photoExists(photoId)) throw new EngineError('not_found', `no photo with id ${photoId}`)
          return store.addCaption(photoId, clean, 'user', { makeCurrent: true })
        })
        const caption = store.caption(id)!
        events.emit('captions.changed', { photoId, caption })
        return caption
      },
      restore(photoId, captionId) {
        if (!store.setCurrentCaption(photoId, captionId)) throw new EngineError('not_found', `photo ${photoId} has no caption ${captionId}`)
        const caption = store.caption(captionId)!
        events.emit('captions.changed', { photoId, caption })
        return caption
      },
      async regenerate(photoId, decoding = {}) {
        const photo = store.photoKey(photoId)
        if (!photo) throw new EngineError('not_found', `no photo with id ${photoId}`)
        if (!ml) throw new EngineError('unavailable', 'no model is loaded yet')
        const { service, info } = ml
        const embedding = store.getEmbedding(photoId, info.embeddingModelId)
        if (!embedding) throw new EngineError('conflict', `${store.presentPath(photoId) ?? `photo ${photoId}`} has not been analysed by the current model yet; it is queued`)
        const options: DecodeOptions = { ...readSettings(db).decoding, ...decoding }
        const [result] = await service.captionEmbeddings([embedding], options)
        if (!result) throw new Error('the model returned no caption')
        // [Note: user captions win] asked for explicitly, the new automatic caption
        // becomes current only when the person has not written one (the interface
        // offers "Restore automatic caption" in that case).
        const current = store.photoKey(photoId)
        if (!current) throw new EngineError('not_found', `photo ${photoId} was removed while it was being captioned`)
        const makeCurrent = current.captionProvenance !== 'user'
        const id = db.tx(() => {
          const captionId = store.addCaption(photoId, result.caption, 'auto', { modelId: info.captionModelId, decoding: options, makeCurrent })
          if (makeCurrent) store.advance(photoId, 'captioned')
          return captionId
        })
        const caption = store.caption(id)!
        if (makeCurrent) events.emit('captions.changed', { photoId, caption })
        else events.emit('photos.changed', { ids: [photoId] })
        return caption
      },
      accept(photoId) {
        if (!store.photoExists(photoId)) throw new EngineError('not_found', `no photo with id ${photoId}`)
        if (!store.markReviewed(photoId)) return null
        const caption = store.captionHistory(photoId).find((c) => c.current) ?? null
        if (caption) events.emit('captions.changed', { photoId, caption })
        return caption
      },
      history: (photoId) => store.captionHistory(photoId),
    },

    jobs: {
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
      whenIdle: (signal) => idleWaiters(signal),
    },

    settings: {
      get: () => readSettings(db),
      set(patch) {
        const next = writeSettings(db, patch)
        events.emit('settings.changed', next)
        return next
      },
    },

    ml: {
      async use(service) {
        runner.abortCurrent()
        ml = service ? { service, info: await service.info() } : null
        void search.useText(service)
        reconcile()
        runner.poke()
      },
      info: () => ml?.info ?? null,
    },
  }

  if (options.ml) {
    try {
      ml = { service: options.ml, info: await options.ml.info() }
    } catch (error) {
      if (reader !== db) reader.close()
      db.close()
      throw error
    }
  }
  return engine
}
