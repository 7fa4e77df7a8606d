// The library folders: add, change, remove, list, rescan.
import fs from 'node:fs/promises'
import path from 'node:path'
import type { LibraryDb } from '../db/database.ts'
import { EngineError } from '../errors.ts'
import type { Emitter } from '../events.ts'
import type { LibraryStore } from '../library/store.ts'
import { Priority, type JobQueue } from '../jobs/queue.ts'
import type { JobRunner } from '../jobs/runner.ts'
import type { EngineEvents, Root, RootOptions } from '../types.ts'
import type { RootKeeper } from './root-keeper.ts'

export interface RootsFacade {
  add(folder: string, options?: RootOptions): Promise<Root>
  update(id: number, options: RootOptions): Promise<Root>
  remove(id: number): Promise<void>
  list(): Root[]
  /** Queue a scan of one root or all. */
  rescan(id?: number): void
}

export interface RootsDeps {
  db: LibraryDb
  store: LibraryStore
  queue: JobQueue
  runner: JobRunner
  events: Emitter<EngineEvents>
  keeper: RootKeeper
}

export function createRoots({ db, store, queue, runner, events, keeper }: RootsDeps): RootsFacade {
  return {
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
      await keeper.add(root)
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
      await keeper.add(updated)
      events.emit('roots.changed', { roots: store.listRoots() })
      runner.poke()
      return updated
    },
    async remove(id) {
      if (!store.getRoot(id)) throw new EngineError('not_found', `no library folder with id ${id}`)
      await keeper.remove(id)
      runner.abortCurrent()
      const removed = store.deleteRoot(id)
      await keeper.dropThumbnails()
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
  }
}
