// Keeping the library folders in step with the disk while the engine runs:
// the watcher's changes, the periodic check for folders (and folder links) that
// come back, and forgetting long-missing photos with their thumbnails.
import fs from 'node:fs/promises'
import type { LibraryDb } from '../db/database.ts'
import type { Emitter } from '../events.ts'
import { thumbnailPath } from '../library/images.ts'
import type { LibraryStore } from '../library/store.ts'
import { Priority, type JobQueue } from '../jobs/queue.ts'
import type { JobRunner } from '../jobs/runner.ts'
import { readSettings } from '../settings.ts'
import type { EngineEvents, Root } from '../types.ts'
import { LibraryWatcher, type WatchChange } from '../watch/watcher.ts'

export interface RootKeeperDeps {
  db: LibraryDb
  store: LibraryStore
  queue: JobQueue
  runner: JobRunner
  events: Emitter<EngineEvents>
  cacheDir: string
  /** Milliseconds a changed file must be stable before the watcher reports it. */
  watchStabilityMs?: number
  /** How often unavailable roots are checked for coming back. */
  rootRecheckMs?: number
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

export class RootKeeper {
  private watcher: LibraryWatcher | null = null
  private recheckTimer: NodeJS.Timeout | null = null
  private closed = false
  private readonly linkRescanAt = new Map<number, number>()

  constructor(private readonly d: RootKeeperDeps) {}

  /** Forget photos missing longer than the grace period, and their thumbnails. */
  async purge(): Promise<void> {
    const gone = this.d.store.purgeMissing(this.graceMs())
    await this.dropThumbnails()
    if (gone.length) this.d.events.emit('photos.removed', { ids: gone })
  }

  /** Thumbnails of forgotten photos leave the cache too (the cache only grows with the library). */
  async dropThumbnails(): Promise<void> {
    for (const key of this.d.store.takeUnusedThumbKeys()) {
      for (const size of ['small', 'large'] as const) await fs.rm(thumbnailPath(this.d.cacheDir, key, size), { force: true })
    }
  }

  /** Watch every root that is there, and check periodically for roots coming back and for photos to forget. */
  async watch(): Promise<void> {
    const { store, events } = this.d
    this.watcher = new LibraryWatcher({
      onChanges: (changes) => this.onChanges(changes),
      onError: (rootId, message) => events.emit('engine.errored', { message: `watching root ${rootId}: ${message}` }),
      ...(this.d.watchStabilityMs !== undefined ? { stabilityMs: this.d.watchStabilityMs } : {}),
    })
    for (const r of store.listRoots()) {
      const there = await isFolder(r.path)
      if (there) await this.watcher.add(r)
    }
    let lastPurge = Date.now()
    this.recheckTimer = setInterval(() => {
      void this.recheckRoots().catch(() => undefined)
      // A library watched for weeks forgets long-missing photos without a restart.
      if (Date.now() - lastPurge > 3_600_000) {
        lastPurge = Date.now()
        this.purgeWhileWatching()
      }
    }, this.d.rootRecheckMs ?? 10_000)
  }

  /** Start watching a root (added or changed), when watching at all. */
  async add(root: Root): Promise<void> {
    if (this.watcher && !this.closed) await this.watcher.add(root)
  }

  async remove(rootId: number): Promise<void> {
    await this.watcher?.remove(rootId)
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.recheckTimer) clearInterval(this.recheckTimer)
    await this.watcher?.close()
  }

  private graceMs(): number {
    return readSettings(this.d.db).missingGraceDays * 86_400_000
  }

  private purgeWhileWatching(): void {
    const { store, events } = this.d
    try {
      const purged = store.purgeMissing(this.graceMs())
      this.dropThumbnails().catch((error: unknown) =>
        events.emit('engine.errored', { message: `removing thumbnails of forgotten photos failed: ${errorText(error)}` }),
      )
      if (purged.length) events.emit('photos.removed', { ids: purged })
    } catch (error) {
      events.emit('engine.errored', { message: `forgetting missing photos failed: ${errorText(error)}` })
    }
  }

  private onChanges(changes: WatchChange[]): void {
    if (this.closed) return
    const { db, store, queue, events, runner } = this.d
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
      events.emit('engine.errored', { message: `could not record file changes: ${errorText(error)}` })
      return
    }
    if (missing.length) events.emit('photos.missing', { ids: missing })
    if (changes.some((c) => c.kind === 'folder-removed' && c.rel === '')) {
      const gone = changes.find((c) => c.rel === '')!.rootId
      this.watcher
        ?.remove(gone)
        .catch((error: unknown) => events.emit('engine.errored', { message: `could not stop watching root ${gone}: ${errorText(error)}` }))
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
  private async recheckRoots(): Promise<void> {
    const { store, queue, events, runner } = this.d
    for (const root of store.listRoots()) {
      const there = await isFolder(root.path)
      const watcher = this.watcher
      // Once per comeback: the scan it queues clears the link from the root's scan errors.
      const waiting = (this.linkRescanAt.get(root.id) ?? -Infinity) > (root.lastScanAt ?? -Infinity)
      if (there && root.available && !waiting && watcher?.watching(root.id) && (await this.aLinkCameBack(root.id))) {
        this.linkRescanAt.set(root.id, Date.now())
        await watcher.remove(root.id)
        if (this.closed) return
      }
      if (there && (!root.available || (watcher && !watcher.watching(root.id)))) {
        store.setRootAvailable(root.id, true)
        queue.enqueue('scan', { rootId: root.id }, Priority.fresh)
        if (watcher && !this.closed) await watcher.add({ ...root, available: true }).catch(() => undefined)
        events.emit('roots.changed', { roots: store.listRoots() })
        runner.poke()
      } else if (!there && root.available) {
        store.setRootAvailable(root.id, false)
        events.emit('roots.changed', { roots: store.listRoots() })
      }
    }
  }

  private async aLinkCameBack(rootId: number): Promise<boolean> {
    for (const problem of this.d.store.rootScanErrors(rootId)) {
      if (problem.kind !== 'link') continue
      if (await isFolder(problem.path)) return true
    }
    return false
  }
}

const isFolder = (p: string): Promise<boolean> =>
  fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  )
