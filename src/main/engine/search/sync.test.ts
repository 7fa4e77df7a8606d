// The word index (FTS triggers, migration 0020) and the vector index (change log,
// migration 0021) follow every change to the library: adds, caption edits,
// renames, deletes, a model change; filters narrow both.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { LibraryStore } from '../library/store.ts'
import { buildFixture, conceptEmbedding, conceptTextEncoder, FIXTURE_MODEL, type BuiltFixture } from '../../../../test/fixtures/search/fixture-library.ts'
import { SearchService } from './search-service.ts'
import { wordSearch } from './word-search.ts'
import { LibraryVectors } from './library-vectors.ts'

let dir: string
let db: LibraryDb
let lib: BuiltFixture
let store: LibraryStore

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-sync-'))
  db = openDatabase(path.join(dir, 'library.db'))
  lib = await buildFixture(db, dir)
  store = new LibraryStore(db)
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const words = (q: string) => wordSearch(db, q, { limit: 50 }).map((w) => lib.files.get(w.id) ?? w.id)

function addPhoto(rel: string, caption: string | null, concepts: string[], model = FIXTURE_MODEL): number {
  const id = Number(db.raw.prepare(`INSERT INTO photos (added_at, updated_at) VALUES (1, 1)`).run().lastInsertRowid)
  db.raw.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, 1, ?, 1)`).run(id, rel)
  if (caption) store.addCaption(id, caption, 'auto', { modelId: 'x', makeCurrent: true })
  store.putEmbedding(id, model, conceptEmbedding(concepts, 'photo:' + rel))
  lib.files.set(id, rel)
  return id
}

describe('word index sync', () => {
  it('follows adds, caption edits, renames and deletes', () => {
    const id = addPhoto('New/IMG_9999.jpg', 'a giraffe eating leaves', ['animal'])
    expect(words('giraffe')).toEqual(['New/IMG_9999.jpg'])
    expect(words('IMG_9999')).toEqual(['New/IMG_9999.jpg'])
    store.addCaption(id, 'Gerald the giraffe at the zoo', 'user', { makeCurrent: true })
    expect(words('gerald')).toEqual(['New/IMG_9999.jpg'])
    expect(words('leaves')).toEqual([])
    db.raw.prepare(`UPDATE captions SET text = 'a zebra' WHERE id = (SELECT caption_id FROM photos WHERE id = ?)`).run(id)
    expect(words('zebra')).toEqual(['New/IMG_9999.jpg'])
    db.raw.prepare(`UPDATE paths SET rel_path = 'Zoo Trip/renamed.jpg' WHERE photo_id = ?`).run(id)
    expect(words('zoo trip')).toEqual(['New/IMG_9999.jpg'])
    expect(words('IMG_9999')).toEqual([])
    db.raw.prepare(`DELETE FROM photos WHERE id = ?`).run(id)
    expect(words('zebra')).toEqual([])
    expect(db.raw.prepare(`SELECT count(*) AS n FROM photo_fts`).get()).toEqual({ n: lib.fixture.photos.length })
  })

  it('searches EXIF text: camera and month taken', () => {
    expect(words('nikon').length).toBe(5)
    // all terms: the seven Crete photos of July 2019; the looser tier adds the receipt scanned in 2019
    expect(wordSearch(db, 'july 2019', { limit: 50 }).filter((w) => w.tier === 0).length).toBe(7)
    expect(words('july 2019')).toContain('Home/Scans/receipt-2019-03.jpg')
  })
})

describe('vector index sync', () => {
  it('follows embedding adds, updates, deletes and a model change', () => {
    const vectors = new LibraryVectors(db)
    const first = vectors.sync(FIXTURE_MODEL)!
    expect(first.size).toBe(lib.fixture.photos.length)
    const query = conceptEmbedding(['giraffe'], 'query')
    const id = addPhoto('New/giraffe.jpg', null, ['giraffe'])
    expect(vectors.sync(FIXTURE_MODEL)!.search(query, { k: 1 }).hits[0]!.id).toBe(id)
    // updated: now it shows a cat
    store.putEmbedding(id, FIXTURE_MODEL, conceptEmbedding(['cat'], 'photo:new'))
    const cat = conceptEmbedding(['cat'], 'photo:new')
    const stored = vectors.sync(FIXTURE_MODEL)!.vector(id)!
    const norm = Math.hypot(...cat)
    stored.forEach((x, i) => expect(x).toBeCloseTo(cat[i]! / norm, 5))
    expect(vectors.sync(FIXTURE_MODEL)!.search(cat, { k: 1 }).hits[0]).toEqual({ id, score: expect.closeTo(1, 5) })
    // deleted with its photo (cascade)
    db.raw.prepare(`DELETE FROM photos WHERE id = ?`).run(id)
    expect(vectors.sync(FIXTURE_MODEL)!.has(id)).toBe(false)
    expect(vectors.sync(FIXTURE_MODEL)!.size).toBe(lib.fixture.photos.length)
    // a model change: only the new model's vectors, with their own dimension
    const other = lib.ids.get('Home/IMG_2041.jpg')!
    store.putEmbedding(other, 'clip-b', new Float32Array([1, 0, 0, 0]))
    const b = vectors.sync('clip-b')!
    expect(b.modelId).toBe('clip-b')
    expect(b.dim).toBe(4)
    expect([...b.photoIds()]).toEqual([other])
    expect(vectors.latestModelId()).toBe('clip-b')
  })

  it("'auto' stores int8 above the threshold and still finds the exact best match (re-ranked from the database)", () => {
    const small = new LibraryVectors(db, { int8Above: 1000 }).sync(FIXTURE_MODEL)!
    const large = new LibraryVectors(db, { int8Above: 10 }).sync(FIXTURE_MODEL)!
    expect(small.encoding).toBe('float32')
    expect(large.encoding).toBe('int8')
    const q = conceptEmbedding(['dog', 'beach'], 'q')
    const a = small.search(q, { k: 5 }).hits
    const b = large.search(q, { k: 5 }).hits
    expect(b.map((h) => h.id)).toEqual(a.map((h) => h.id))
    b.forEach((h, i) => expect(h.score).toBeCloseTo(a[i]!.score, 5))
  })

  it('rebuilds in batches without stalling the event loop, then serves the same index', async () => {
    db.tx(() => {
      for (let i = 0; i < 9000; i++) {
        const id = Number(db.raw.prepare(`INSERT INTO photos (added_at, updated_at) VALUES (1, 1)`).run().lastInsertRowid)
        store.putEmbedding(id, FIXTURE_MODEL, conceptEmbedding(['x'], 'bulk' + i))
      }
    })
    const vectors = new LibraryVectors(db)
    let ticks = 0
    const ticker = setInterval(() => ticks++, 0)
    const index = await vectors.syncAsync(FIXTURE_MODEL)
    clearInterval(ticker)
    expect(index!.size).toBe(9000 + lib.fixture.photos.length)
    expect(ticks).toBeGreaterThan(0) // timers ran between batches
    expect(await vectors.syncAsync(FIXTURE_MODEL)).toBe(index)
  })

  it('an index that fell behind the pruned change log rebuilds', () => {
    const vectors = new LibraryVectors(db)
    vectors.sync(FIXTURE_MODEL)
    const id = addPhoto('New/late.jpg', null, ['giraffe'])
    // what the bound trigger (0023) does to an index more than 100k entries behind
    db.raw.exec(`DELETE FROM search_embedding_log`)
    db.raw.prepare(`INSERT INTO search_embedding_log (seq, photo_id, model_id, op) VALUES (1000000, 1, ?, 'upsert')`).run(FIXTURE_MODEL)
    expect(vectors.sync(FIXTURE_MODEL)!.has(id)).toBe(true)
  })

  it('a second process writing embeddings is seen by the next query', () => {
    const vectors = new LibraryVectors(db)
    vectors.sync(FIXTURE_MODEL)
    const other = openDatabase(db.path)
    try {
      const id = Number(other.raw.prepare(`INSERT INTO photos (added_at, updated_at) VALUES (1, 1)`).run().lastInsertRowid)
      new LibraryStore(other).putEmbedding(id, FIXTURE_MODEL, conceptEmbedding(['giraffe'], 'x'))
      expect(vectors.sync(FIXTURE_MODEL)!.has(id)).toBe(true)
    } finally {
      other.close()
    }
  })
})

describe('filters', () => {
  it('narrow words and meaning alike: folder, dates, camera, user captions, status', async () => {
    const service = new SearchService(db, { text: conceptTextEncoder(lib.fixture) })
    const run = async (q: string, filters: Parameters<SearchService['search']>[1] extends infer O ? (O extends { filters?: infer F } ? F : never) : never) =>
      (await service.search(q, { filters }).complete).items.map((i) => lib.files.get(i.photoId)!)
    // the uncaptioned dog on a beach by meaning, then "a dog playing in the grass" (some of the words)
    expect(await run('dog on the beach', { folder: path.join(lib.rootDir, 'Garden') })).toEqual(['Garden/IMG_3005.jpg', 'Garden/IMG_3003.jpg'])
    expect(await run('dog on the beach', { folder: path.join(lib.rootDir, 'Crete 2019') + '/' })).toEqual(
      expect.arrayContaining(['Crete 2019/IMG_0042.jpg', 'Crete 2019/IMG_0043.jpg']),
    )
    expect(await run('dog on the beach', { hasUserCaption: true })).toEqual(['Crete 2019/IMG_0043.jpg'])
    expect(await run('sunset', { from: '2021-01-01', to: '2021-12-31' })).toEqual(['Alps/DSC_1004.jpg'])
    expect(await run('sunset', { camera: 'sony' })).toEqual(['Misc/DSC_9002.jpg'])
    expect(await run('snowy mountains', { status: 'processing' })).toEqual(['Alps/DSC_1005.jpg'])
    expect(await run('snowy mountains', { caption: 'none' })).toEqual(['Alps/DSC_1005.jpg'])
    // photos whose files are all gone are found like any other (shown as missing, as in the grid), and alone when asked for
    db.raw.prepare(`UPDATE paths SET present = 0, missing_since = 1 WHERE photo_id = ?`).run(lib.ids.get('Garden/IMG_3005.jpg'))
    expect(await run('dog on the beach', {})).toContain('Garden/IMG_3005.jpg')
    expect(await run('dog on the beach', { status: 'missing' })).toEqual(['Garden/IMG_3005.jpg'])
  })
})

describe('words first, meaning when ready', () => {
  it('answers with word results at once while the text tower loads, then the fused list', async () => {
    const encoder = conceptTextEncoder(lib.fixture, { delayMs: 200 })
    const service = new SearchService(db, { text: encoder })
    void service.warmUp()
    const run = service.search('dog on the beach', { limit: 10 })
    expect(service.meaningReady).toBe(false)
    expect(run.words.meaning).toBe('pending')
    expect(run.words.items.map((i) => lib.files.get(i.photoId))).toEqual(
      ['Crete 2019/IMG_0042.jpg', 'Garden/IMG_3003.jpg', 'Home/IMG_2050.jpg'].slice(0, run.words.items.length),
    )
    expect(run.words.items.every((i) => i.source === 'words')).toBe(true)
    const done = await run.complete
    expect(done.meaning).toBe('included')
    expect(done.items.some((i) => i.source === 'meaning')).toBe(true)
    expect(service.meaningReady).toBe(true)
    // asking again (a filter changed, or the interface polls) does not run the tower again
    const calls = encoder.calls
    const again = await service.search('dog on the beach', { limit: 10 }).complete
    expect(encoder.calls).toBe(calls)
    expect(again.items).toEqual(done.items)
  })

  it('an empty query finds nothing, by words or by meaning', async () => {
    const service = new SearchService(db, { text: conceptTextEncoder(lib.fixture) })
    const done = await service.search('  ').complete
    expect(done.items).toEqual([])
    expect(done.meaningNote).toBe('nothing to search for')
  })

  it('a text tower swapped while loading never answers for the new one', async () => {
    const slow = conceptTextEncoder(lib.fixture, { delayMs: 150, modelId: 'old-model' })
    const service = new SearchService(db, { text: slow })
    const oldLoad = service.warmUp()
    await service.useText(conceptTextEncoder(lib.fixture))
    // the old tower finishes loading after the swap (its load settles only once it has): "more like this" must still use the new model
    await oldLoad
    expect(slow.calls).toBe(1)
    expect(service.similar(lib.ids.get('Home/IMG_2041.jpg')!).modelId).toBe(FIXTURE_MODEL)
    const done = await service.search('cat').complete
    expect(done.modelId).toBe(FIXTURE_MODEL)
    expect(done.meaning).toBe('included')
  })

  it('without a text model, search is words only and says why', async () => {
    const service = new SearchService(db, { text: null })
    const run = service.search('rex')
    expect(run.words.items.map((i) => lib.files.get(i.photoId))).toEqual(['Crete 2019/IMG_0043.jpg'])
    const done = await run.complete
    expect(done.meaning).toBe('unavailable')
    expect(done.meaningNote).toMatch(/no model/)
  })

  it('a text model that fails mid-query leaves the word results standing', async () => {
    const encoder = conceptTextEncoder(lib.fixture)
    const service = new SearchService(db, {
      text: { info: encoder.info, embedTexts: async (t) => (t[0] === 'a photo' ? encoder.embedTexts(t) : Promise.reject(new Error('worker exited'))) },
    })
    const done = await service.search('rex').complete
    expect(done.meaning).toBe('unavailable')
    expect(done.meaningNote).toBe('the text model failed: worker exited')
    expect(done.items.map((i) => lib.files.get(i.photoId))).toEqual(['Crete 2019/IMG_0043.jpg'])
  })

  it('refuses to compare a query embedding with image embeddings of another model', async () => {
    const service = new SearchService(db, { text: conceptTextEncoder(lib.fixture, { modelId: 'some-other-clip' }) })
    const done = await service.search('cat').complete
    expect(done.meaning).toBe('unavailable')
    expect(done.meaningNote).toMatch(/no photo has an embedding from model some-other-clip/)
  })

  it('more like this: the photo first, then look-alikes', () => {
    const service = new SearchService(db, { text: null })
    const res = service.similar(lib.ids.get('Home/IMG_2041.jpg')!, { limit: 5 })
    const got = res.items.map((i) => lib.files.get(i.photoId))
    expect(got[0]).toBe('Home/IMG_2041.jpg')
    expect(got.slice(1, 3)).toEqual(expect.arrayContaining(['Home/IMG_2042.jpg', 'Home/IMG_2050.jpg']))
    expect(() => service.similar(999_999)).toThrow(/photo 999999 has no embedding/)
  })
})
