// Ranking on the fixture library with known answers (test/fixtures/search):
// fusion, the adaptive cut-off, and why RRF was chosen (measured, not assumed).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { buildFixture, conceptTextEncoder, type BuiltFixture } from '../../../../test/fixtures/search/fixture-library.ts'
import { SearchService, type SearchOptions } from './search-service.ts'
import { compareFusion } from '../../../../test/fixtures/search/evaluate.ts'

let dir: string
let db: LibraryDb
let lib: BuiltFixture
let service: SearchService

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-ranking-'))
  db = openDatabase(path.join(dir, 'library.db'))
  lib = await buildFixture(db, dir)
  service = new SearchService(db, { text: conceptTextEncoder(lib.fixture) })
  await service.warmUp()
})
afterAll(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const files = (items: { photoId: number }[]) => items.map((i) => lib.files.get(i.photoId)!)

async function ranked(query: string, options: SearchOptions = {}) {
  return await service.search(query, { limit: 10, ...options }).complete
}

describe('ranking on the fixture library', () => {
  it('finds the dog on the beach by meaning even without the words, and marks where each came from', async () => {
    const res = await ranked('dog on the beach')
    expect(res.meaning).toBe('included')
    const top3 = files(res.items.slice(0, 3))
    expect(new Set(top3)).toEqual(new Set(['Crete 2019/IMG_0042.jpg', 'Crete 2019/IMG_0043.jpg', 'Garden/IMG_3005.jpg']))
    expect(res.items[0]!.source).toBe('both') // the literal caption is found by words and by meaning
    expect(res.items.find((i) => lib.files.get(i.photoId) === 'Garden/IMG_3005.jpg')!.source).toBe('meaning')
    expect(res.items[0]!.captionHighlights!.filter((h) => h.match).map((h) => h.text.toLowerCase())).toEqual(expect.arrayContaining(['dog', 'beach']))
  })

  it('answers a name only the words know, and the cut-off keeps meaning noise out', async () => {
    const res = await ranked('Rex')
    expect(files(res.items)).toEqual(['Crete 2019/IMG_0043.jpg'])
    const crete = await ranked('Crete')
    expect(new Set(files(crete.items))).toEqual(new Set(Object.keys(lib.fixture.queries.find((q) => q.query === 'Crete')!.relevant!)))
  })

  it('finds flowers whose captions never say "flowers", and folds diacritics', async () => {
    const res = await ranked('flowers')
    expect(files(res.items.slice(0, 3))).toEqual(expect.arrayContaining(['Home/IMG_2077.jpg', 'Home/IMG_2078.jpg', 'Garden/IMG_3004.jpg']))
    expect(files((await ranked('cafe')).items)[0]).toBe('City/Zürich/P1000201.jpg')
  })

  it('cuts meaning results where relevance ends, differently per query', async () => {
    const cats = await ranked('cat')
    const meaningOnly = cats.items.filter((i) => i.source !== 'words')
    expect(new Set(files(meaningOnly))).toEqual(new Set(['Home/IMG_2041.jpg', 'Home/IMG_2042.jpg', 'Home/IMG_2050.jpg']))
    const snow = await ranked('snowy mountains')
    const snowFiles = files(snow.items.filter((i) => i.source !== 'words'))
    expect(snowFiles.slice(0, 3)).toEqual(expect.arrayContaining(['Alps/DSC_1001.jpg', 'Alps/DSC_1002.jpg', 'Alps/DSC_1005.jpg']))
    expect(snowFiles.length).toBeLessThan(8)
  })

  it('RRF beats each list alone and min-max CombSUM on the judged queries; the cut-off removes noise without losing answers', async () => {
    const figures = await compareFusion(service, lib)
    console.log('fixture quality', JSON.stringify(figures))
    expect(figures.rrf.ndcg).toBeGreaterThan(figures.wordsOnly.ndcg)
    expect(figures.rrf.ndcg).toBeGreaterThan(figures.meaningOnly.ndcg)
    expect(figures.rrf.ndcg).toBeGreaterThanOrEqual(figures.combsum.ndcg)
    expect(figures.rrf.ndcg).toBeGreaterThanOrEqual(figures.rrfUnweightedPartial.ndcg)
    expect(figures.rrf.ndcg).toBeGreaterThan(0.85)
    // the cut-off costs (almost) no ranking quality and removes most of the noise
    expect(figures.rrf.ndcg).toBeGreaterThan(figures.rrfNoCutoff.ndcg - 0.03)
    expect(figures.rrf.precision).toBeGreaterThan(figures.rrfNoCutoff.precision + 0.2)
  })
})
