// One filter meaning ([Note: one filter meaning]): the grid's views and both
// halves of search narrow photos through the same compiled filter, and a photo
// is shown with exactly the state its filter finds it under.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { LibraryStore } from '../library/store.ts'
import { SearchService } from '../search/search-service.ts'
import { wordSearch } from '../search/word-search.ts'
import { buildFixture, conceptTextEncoder, type BuiltFixture } from '../../../../test/fixtures/search/fixture-library.ts'
import { createLibraryViews, type LibraryViews } from './library-views.ts'
import { CAPTION_FILTERS, FilterError, PHOTO_STATES, photoState, type PhotoFilter } from './photo-filter.ts'

let dir: string
let db: LibraryDb
let lib: BuiltFixture
let store: LibraryStore
let views: LibraryViews

const id = (file: string): number => lib.ids.get(file)!
const files = (ids: readonly number[]): string[] => ids.map((i) => lib.files.get(i) ?? String(i)).sort()

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-filter-'))
  db = openDatabase(path.join(dir, 'library.db'))
  lib = await buildFixture(db, dir)
  store = new LibraryStore(db)
  views = createLibraryViews(db, () => store.listRoots())
  // Photos in every state, including the combinations the precedence decides.
  const set = db.raw.prepare(`UPDATE photos SET status = ?, error = ? WHERE id = ?`)
  set.run('failed', 'cannot decode', id('Crete 2019/IMG_0051.jpg'))
  set.run('failed', 'cannot decode', id('Crete 2019/IMG_0043.jpg')) // user caption, failed: failed first
  set.run('indexed', null, id('Crete 2019/IMG_0052.jpg'))
  set.run('thumbnailed', null, id('Crete 2019/IMG_0053.jpg'))
  set.run('embedded', null, id('Home/IMG_2042.jpg')) // user caption before the model got there: done
  db.raw.prepare(`UPDATE photos SET caption_id = NULL WHERE id = ?`).run(id('Crete 2019/IMG_0053.jpg'))
  db.raw.prepare(`UPDATE paths SET present = 0, missing_since = 1 WHERE photo_id IN (?, ?)`).run(id('Garden/IMG_3005.jpg'), id('Garden/IMG_3004.jpg'))
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('states', () => {
  it('filtering by a state gives exactly the photos shown with that state, and every photo has one', () => {
    const all = [...lib.ids.values()]
    const shown = new Map(all.map((i) => [i, photoState(store.getPhoto(i, null)!)]))
    for (const state of PHOTO_STATES) {
      const expected = all.filter((i) => shown.get(i) === state)
      expect(files(views.ids({ status: state })), state).toEqual(files(expected))
    }
    expect(PHOTO_STATES.reduce((n, s) => n + views.ids({ status: s }).length, 0)).toBe(all.length)
    // the combinations the precedence decides
    expect(shown.get(id('Crete 2019/IMG_0043.jpg'))).toBe('failed')
    expect(shown.get(id('Home/IMG_2042.jpg'))).toBe('done')
    expect(shown.get(id('Garden/IMG_3004.jpg'))).toBe('missing')
    expect(shown.get(id('Crete 2019/IMG_0052.jpg'))).toBe('queued')
    expect(shown.get(id('Crete 2019/IMG_0053.jpg'))).toBe('processing')
  })

  it('caption: who wrote the current caption, or nobody; hasUserCaption is caption user', () => {
    const all = [...lib.ids.values()]
    const by = (i: number): string => store.getPhoto(i, null)!.provenance ?? 'none'
    for (const c of CAPTION_FILTERS) expect(files(views.ids({ caption: c })), c).toEqual(files(all.filter((i) => by(i) === c)))
    expect(views.ids({ hasUserCaption: true })).toEqual(views.ids({ caption: 'user' }))
    expect(files(views.ids({ hasUserCaption: false }))).toEqual(files([...views.ids({ caption: 'auto' }), ...views.ids({ caption: 'none' })]))
  })

  it('missing photos are listed with their state when no state is asked for', () => {
    expect(views.ids({})).toContain(id('Garden/IMG_3005.jpg'))
    expect(views.page({}, 0, 1000).total).toBe(lib.ids.size)
  })
})

describe('folders, dates, cameras', () => {
  it('folder: any depth, trailing separators and Windows backslashes alike, not a folder that only starts the same', () => {
    const city = path.join(lib.rootDir, 'City')
    const inCity = ['City/Berlin/P1000101.jpg', 'City/Berlin/P1000102.jpg', 'City/Berlin/P1000103.jpg', 'City/Zürich/P1000201.jpg', 'City/Zürich/P1000202.jpg']
    expect(files(views.ids({ folder: city }))).toEqual(inCity)
    expect(files(views.ids({ folder: city + '/' }))).toEqual(inCity)
    expect(files(views.ids({ folder: city.replace(/\//g, '\\') + '\\' }))).toEqual(inCity)
    expect(files(views.ids({ folder: path.join(lib.rootDir, 'City', 'Zürich') }))).toEqual(['City/Zürich/P1000201.jpg', 'City/Zürich/P1000202.jpg'])
    expect(views.ids({ folder: city.slice(0, -1) })).toEqual([])
    // a library folder stored with Windows separators
    const winRoot = Number(db.raw.prepare(`INSERT INTO roots (path, added_at) VALUES (?, 1)`).run('C:\\Users\\Mia\\Pictures\\').lastInsertRowid)
    const photo = Number(db.raw.prepare(`INSERT INTO photos (added_at, updated_at) VALUES (1, 1)`).run().lastInsertRowid)
    db.raw.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, ?, ?, 1)`).run(photo, winRoot, 'Trip 🌊/a.jpg')
    views.invalidate()
    for (const folder of ['C:\\Users\\Mia\\Pictures\\Trip 🌊', 'C:/Users/Mia/Pictures/Trip 🌊/', 'C:\\Users\\Mia\\Pictures'])
      expect(views.ids({ folder }), folder).toEqual([photo])
  })

  it('dates: inclusive, a date-only end covers its day, undated photos never match, an unreadable date is an error naming it', () => {
    expect(files(views.ids({ from: '2019-07-15', to: '2019-07-15' }))).toEqual([
      'Crete 2019/IMG_0051.jpg',
      'Crete 2019/IMG_0052.jpg',
      'Crete 2019/IMG_0053.jpg',
    ])
    const undated = [id('Home/Scans/receipt-2019-03.jpg'), id('Home/Scans/passport copy.jpg')]
    const ranged = views.ids({ from: '1900-01-01', to: '2100-01-01' })
    expect(ranged.length).toBe(lib.ids.size - undated.length)
    for (const u of undated) expect(ranged).not.toContain(u)
    expect(() => views.ids({ from: 'last summer' })).toThrow(FilterError)
    expect(() => views.ids({ to: 'soon' })).toThrow(/'soon' is not a date/)
  })

  it('camera: a case-insensitive part of make and model; wildcard characters are literal', () => {
    expect(views.ids({ camera: 'fuji' }).length).toBe(7)
    expect(views.ids({ camera: 'x-t3' })).toEqual(views.ids({ camera: 'FUJIFILM X-T3' }))
    expect(views.ids({ camera: '%' })).toEqual([])
    expect(views.ids({ camera: '  ' }).length).toBe(lib.ids.size)
  })
})

describe('search narrows with the same filter', () => {
  const filters: PhotoFilter[] = [
    {},
    { status: 'done' },
    { status: 'processing' },
    { status: 'missing' },
    { status: 'failed' },
    { caption: 'user' },
    { caption: 'none' },
    { hasUserCaption: false },
    { folder: 'PLACEHOLDER' },
    { from: '2020-01-01', to: '2021-12-31' },
    { camera: 'apple' },
  ]
  const queries = ['dog on the beach', 'sunset', 'birthday cake', 'Crete', 'flowers', 'scanned documents', 'IMG']

  it("word results under a filter are the unfiltered word results inside the grid's filtered set", () => {
    for (const raw of filters) {
      const f = raw.folder ? { folder: path.join(lib.rootDir, 'Home') } : raw
      const allowed = new Set(views.ids(f))
      for (const q of queries) {
        const unfiltered = wordSearch(db, q, { limit: 1000 }).map((w) => w.id)
        const filtered = wordSearch(db, q, { limit: 1000, filters: f }).map((w) => w.id)
        expect(filtered, `${q} ${JSON.stringify(f)}`).toEqual(unfiltered.filter((i) => allowed.has(i)))
      }
    }
  })

  it("fused results (words and meaning) under a filter are all inside the grid's filtered set", async () => {
    const service = new SearchService(db, { text: conceptTextEncoder(lib.fixture) })
    await service.warmUp()
    let found = 0
    for (const raw of filters) {
      const f = raw.folder ? { folder: path.join(lib.rootDir, 'Home') } : raw
      const allowed = new Set(views.ids(f))
      for (const q of queries) {
        const res = await service.search(q, { limit: 1000, filters: f }).complete
        expect(res.meaning).toBe('included')
        for (const item of res.items) expect(allowed.has(item.photoId), `${q} ${JSON.stringify(f)}: ${lib.files.get(item.photoId)}`).toBe(true)
        found += res.items.length
      }
    }
    expect(found).toBeGreaterThan(50)
  })
})
