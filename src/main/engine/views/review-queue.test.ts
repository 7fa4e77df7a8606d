// The review queue: automatic captions no person has accepted yet, and failed
// photos, in grid order; accepting one marks it reviewed, takes it out of the
// queue, and keeps it from being replaced by a later automatic caption.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { LibraryStore } from '../library/store.ts'
import { buildFixture, type BuiltFixture } from '../../../../test/fixtures/search/fixture-library.ts'
import { createLibraryViews, type LibraryViews } from './library-views.ts'
import { Emitter } from '../events.ts'
import { createCaptions } from '../facade/captions.ts'
import type { EngineEvents } from '../types.ts'

let dir: string
let db: LibraryDb
let lib: BuiltFixture
let store: LibraryStore
let views: LibraryViews
const id = (file: string): number => lib.ids.get(file)!
const provenanceOf = (i: number): string | null => store.getPhoto(i, null)?.provenance ?? null

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-review-'))
  db = openDatabase(path.join(dir, 'library.db'))
  lib = await buildFixture(db, dir)
  store = new LibraryStore(db)
  views = createLibraryViews(db, () => store.listRoots())
  db.raw.prepare(`UPDATE photos SET status = 'failed', error = 'cannot decode' WHERE id = ?`).run(id('Crete 2019/IMG_0051.jpg'))
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('review queue', () => {
  it('holds the unreviewed automatic captions and the failed photos, in grid order', () => {
    const all = views.ids()
    const q = views.reviewQueue()
    const expected = all.filter((i) => provenanceOf(i) === 'auto' || store.getPhoto(i, null)!.status === 'failed')
    expect(q.ids).toEqual(expected)
    expect(q.ids.length).toBeGreaterThan(2)
    expect(q.ids).toContain(id('Crete 2019/IMG_0051.jpg'))
    // Photos with the person's own caption are reviewed already.
    const mine = all.filter((i) => provenanceOf(i) === 'user' && store.getPhoto(i, null)!.status !== 'failed')
    expect(q.reviewed).toBe(mine.length)
  })

  it('accepting takes a photo out of the queue, counts it reviewed, and the filters agree', () => {
    const before = views.reviewQueue()
    const target = before.ids.find((i) => provenanceOf(i) === 'auto')!
    expect(store.markReviewed(target)).toBe(true)
    const after = views.reviewQueue()
    expect(after.ids).not.toContain(target)
    expect(after.reviewed).toBe(before.reviewed + 1)
    expect(views.ids({ caption: 'reviewed' })).toEqual([target])
    expect(views.ids({ caption: 'auto' })).not.toContain(target)
    expect(store.getPhoto(target, null)!.reviewed).toBe(true)
    expect(store.photoKey(target)!.captionReviewed).toBe(true)
    expect(store.captionHistory(target).find((c) => c.current)!.reviewedAt).not.toBeNull()
  })

  it('refuses to accept what is not an automatic caption', () => {
    const mine = views.ids().find((i) => provenanceOf(i) === 'user')!
    expect(store.markReviewed(mine)).toBe(false)
  })

  it('bulk accept marks every automatic caption in the selection reviewed, skips the rest, and announces each after the commit', () => {
    const events = new Emitter<EngineEvents>()
    const captions = createCaptions({ db, store, events, model: () => null, decoding: () => ({ method: 'greedy', beamSize: 1, maxTokens: 20 }) })
    const before = views.reviewQueue()
    const autos = before.ids.filter((i) => provenanceOf(i) === 'auto').slice(0, 2)
    const mine = views.ids().find((i) => provenanceOf(i) === 'user')!
    const announced: number[] = []
    events.on('captions.changed', ({ photoId, caption }) => {
      // Seen by a listener, the change is already stored.
      expect(store.captionHistory(photoId).find((c) => c.current)!.reviewedAt).not.toBeNull()
      expect(caption?.reviewedAt).not.toBeNull()
      announced.push(photoId)
    })
    expect(captions.acceptMany([...autos, mine, 999_999])).toBe(2)
    expect(announced).toEqual(autos)
    expect(views.reviewQueue().ids).not.toContain(autos[0])
    expect(views.reviewQueue().reviewed).toBe(before.reviewed + 2)
    expect(provenanceOf(mine)).toBe('user')
  })
})
