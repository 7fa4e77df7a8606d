// The same filter gives the same photos through photos.list (the grid) and
// search.query (search), as a front door sees them ([Note: one filter meaning]
// in src/main/engine/views/photo-filter.ts). Every file name holds the word
// "holiday", so a word search for it finds every photo and the filter alone
// decides which come back.
import { testBackend } from '../../../test/helpers/backend.ts'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PhotoFilter } from '../../shared/types.ts'
import { createBackend, type Backend } from './backend.ts'
import { apiCaller } from './test-support.ts'

let dir: string
let photos: string
let backend: Backend
const call = apiCaller(() => backend)

const names = ['holiday 1.jpg', 'trip/holiday 2.jpg', 'trip/day 2/holiday 3.jpg', 'trip/day 2/holiday 4.jpg', 'home/holiday 5.jpg', 'home/holiday 6.jpg']

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-filters-'))
  photos = path.join(dir, 'photos')
  for (const [i, name] of names.entries()) {
    fs.mkdirSync(path.dirname(path.join(photos, name)), { recursive: true })
    await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: i * 40, g: 200 - i * 30, b: 90 } } })
      .jpeg()
      .toFile(path.join(photos, name))
  }
  backend = await testBackend(dir)
  await call('roots.add', { path: photos })
  await backend.engine.jobs.whenIdle()
  // Give the photos what indexing without a model cannot: dates, cameras, states and a user caption.
  const db = backend.engine.db.raw
  const idOf = (name: string): number => backend.engine.photos.idByPath(path.join(photos, name))!
  const set = db.prepare(`UPDATE photos SET taken_at = ?, camera_make = ?, camera_model = ? WHERE id = ?`)
  set.run(Date.UTC(2019, 6, 14, 12), 'FUJIFILM', 'X-T3', idOf('holiday 1.jpg'))
  set.run(Date.UTC(2019, 6, 15, 23, 59), 'FUJIFILM', 'X-T3', idOf('trip/holiday 2.jpg'))
  set.run(Date.UTC(2020, 0, 1), 'Apple', 'iPhone 11', idOf('trip/day 2/holiday 3.jpg'))
  db.prepare(`UPDATE photos SET status = 'failed', error = 'cannot decode' WHERE id = ?`).run(idOf('home/holiday 5.jpg'))
  db.prepare(`UPDATE photos SET status = 'indexed' WHERE id = ?`).run(idOf('home/holiday 6.jpg'))
  db.prepare(`UPDATE paths SET present = 0, missing_since = 1 WHERE photo_id = ?`).run(idOf('trip/day 2/holiday 4.jpg'))
  await call('captions.set', { photoId: idOf('trip/holiday 2.jpg'), text: 'the holiday harbour at dusk' })
  backend.engine.views.invalidate()
})

afterAll(async () => {
  await backend?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('one filter, two doors', () => {
  it('photos.list and search.query give the same photos for the same filter', async () => {
    const filters: PhotoFilter[] = [
      {},
      { folder: path.join(photos, 'trip') },
      { folder: path.join(photos, 'trip').replace(/\//g, '\\') + '\\' },
      { status: 'done' },
      { status: 'processing' },
      { status: 'queued' },
      { status: 'failed' },
      { status: 'missing' },
      { caption: 'user' },
      { caption: 'none' },
      { hasUserCaption: true },
      { hasUserCaption: false },
      { camera: 'fuji' },
      { from: '2019-07-15', to: '2019-07-15' },
      { from: '2019-01-01' },
      { to: '2019-12-31', camera: 'x-t3' },
      { rootId: 1, status: 'processing' },
    ]
    let nonEmpty = 0
    for (const filter of filters) {
      const listed = (await call('photos.list', { filter, offset: 0, limit: 1000 })).items.map((p) => p.id).sort((a, b) => a - b)
      const found = (await call('search.query', { text: 'holiday', filter, limit: 500 })).hits.map((h) => h.photo.id).sort((a, b) => a - b)
      expect(found, JSON.stringify(filter)).toEqual(listed)
      expect((await call('photos.timeline', { filter })).total, JSON.stringify(filter)).toBe(listed.length)
      if (listed.length > 0 && listed.length < names.length) nonEmpty++
    }
    // the filters did narrow (not every filter trivially matching all or nothing)
    expect(nonEmpty).toBeGreaterThanOrEqual(12)
  })

  it('a photo is listed under the status it is shown with', async () => {
    const all = (await call('photos.list', { offset: 0, limit: 1000 })).items
    for (const p of all) {
      const under = (await call('photos.list', { filter: { status: p.status }, offset: 0, limit: 1000 })).items.map((x) => x.id)
      expect(under, `${p.name} (${p.status})`).toContain(p.id)
    }
    expect(new Set(all.map((p) => p.status))).toEqual(new Set(['done', 'processing', 'queued', 'failed', 'missing']))
  })

  it('an unreadable date is invalid input naming the value, through both doors', async () => {
    await expect(call('photos.list', { filter: { from: 'last summer' }, offset: 0, limit: 10 })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining("'last summer'"),
    })
    await expect(call('search.query', { text: 'holiday', filter: { to: 'soon' }, limit: 10 })).rejects.toMatchObject({ code: 'invalid_input' })
  })
})
