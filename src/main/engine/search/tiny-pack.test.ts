// Search against the real ML service (the generated tiny pack, in process): the
// text tower's query embedding meets image embeddings made by the same pack, and
// the model ids and dimensions line up. The tiny pack's weights are random, so
// this checks the wiring, not what ranks first (ranking.test.ts does that).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { LibraryStore } from '../library/store.ts'
import { createInProcessMlService } from '../../ml/pipeline/index.ts'
import { sharedTinyDataDir, writeTestImages } from '../../ml/pipeline/test-support.ts'
import type { MlService } from '../../ml/service.ts'
import { SearchService } from './search-service.ts'

let dir: string
let db: LibraryDb
let ml: MlService
let ids: number[] = []

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-search-tiny-'))
  db = openDatabase(path.join(dir, 'library.db'))
  ml = await createInProcessMlService({ dataDir: sharedTinyDataDir(), threads: 1 })
  const files = await writeTestImages(path.join(dir, 'photos'))
  const info = await ml.info()
  const embeds = await ml.embedImages(files)
  const store = new LibraryStore(db)
  db.raw.prepare(`INSERT INTO roots (path, added_at) VALUES (?, 1)`).run(path.join(dir, 'photos'))
  ids = files.map((f, i) => {
    const id = Number(db.raw.prepare(`INSERT INTO photos (added_at, updated_at) VALUES (1, 1)`).run().lastInsertRowid)
    db.raw.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, 1, ?, 1)`).run(id, path.basename(f))
    store.addCaption(id, ['a red square', 'a green field', 'a blue sky'][i]!, 'auto', { modelId: info.captionModelId, makeCurrent: true })
    const e = embeds[i]!
    if (!e.ok) throw new Error(e.error)
    store.putEmbedding(id, info.embeddingModelId, e.embedding)
    return id
  })
})
afterAll(async () => {
  await ml?.close()
  db?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('search with the tiny pack', () => {
  it('embeds the query with the same model as the photos and fuses the lists', async () => {
    const search = new SearchService(db, { text: ml })
    await search.warmUp()
    expect(search.meaningReady).toBe(true)
    const res = await search.search('red', { limit: 10 }).complete
    expect(res.meaning).toBe('included')
    expect(res.modelId).toBe((await ml.info()).embeddingModelId)
    expect(res.items[0]!.photoId).toBe(ids[0])
    expect(['words', 'both']).toContain(res.items[0]!.source)
  })

  it('more like this uses the stored image embeddings', () => {
    const search = new SearchService(db, { text: null })
    const res = search.similar(ids[1]!, { limit: 3 })
    expect(res.items[0]).toMatchObject({ photoId: ids[1], score: 1 })
    expect(res.modelId).not.toBeNull()
  })
})
