// The API handlers over the real engine (temp library, no ML): what the grid,
// the sidebar, the photo view and the folder browser get through dispatch().
import { testBackend } from '../../../test/helpers/backend.ts'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from './backend.ts'
import { apiCaller } from './test-support.ts'

let dir: string
let backend: Backend

const call = apiCaller(() => backend)

const jpeg = (file: string, shade: number): Promise<unknown> =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: { r: shade, g: 255 - shade, b: 90 } } })
    .jpeg()
    .toFile(file)

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-backend-'))
  const photos = path.join(dir, 'photos')
  fs.mkdirSync(path.join(photos, 'trip', 'day 2'), { recursive: true })
  await jpeg(path.join(photos, 'a.jpg'), 10)
  await jpeg(path.join(photos, 'trip', 'b.jpg'), 60)
  await jpeg(path.join(photos, 'trip', 'day 2', 'c.jpg'), 120)
  await jpeg(path.join(photos, 'trip', 'day 2', 'd.jpg'), 180)
  fs.writeFileSync(path.join(photos, 'not-a-photo.txt'), 'x')
  backend = await testBackend(dir)
  await call('roots.add', { path: photos })
  await backend.engine.jobs.whenIdle()
})

afterAll(async () => {
  await backend?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('library views through the API', () => {
  it('counts months and pages through photos newest first, consistently with neighbours', async () => {
    const t = await call('photos.timeline', {})
    expect(t.total).toBe(4)
    expect(t.months.reduce((n, m) => n + m.count, 0)).toBe(4)
    const page1 = await call('photos.list', { offset: 0, limit: 2 })
    const page2 = await call('photos.list', { offset: 2, limit: 2 })
    const order = [...page1.items, ...page2.items].map((p) => p.id)
    expect(new Set(order).size).toBe(4)
    for (let i = 0; i < order.length; i++) {
      const nb = await call('photos.neighbours', { id: order[i]! })
      expect(nb).toEqual({ previous: order[i - 1] ?? null, next: order[i + 1] ?? null })
    }
  })

  it('filters by folder (any depth) and counts folders for the sidebar', async () => {
    const trip = path.join(dir, 'photos', 'trip')
    const inTrip = await call('photos.list', { filter: { folder: trip }, offset: 0, limit: 10 })
    expect(inTrip.items.map((p) => p.name).sort()).toEqual(['b.jpg', 'c.jpg', 'd.jpg'])
    // A folder whose name only starts the same is not inside.
    expect((await call('photos.timeline', { filter: { folder: trip.slice(0, -1) } })).total).toBe(0)
    const counts = await call('folders.counts', {})
    expect(counts.map((c) => [path.relative(dir, c.path), c.count])).toEqual([
      ['photos', 4],
      [path.join('photos', 'trip'), 1],
      [path.join('photos', 'trip', 'day 2'), 2],
    ])
  })

  it('writes a user caption, shows its provenance, and refuses to restore an automatic caption that never existed', async () => {
    const [first] = (await call('photos.list', { offset: 0, limit: 1 })).items
    const saved = await call('captions.set', { photoId: first!.id, text: '  A green square.  ' })
    expect(saved).toMatchObject({ text: 'A green square.', provenance: 'user', modelId: null })
    const detail = await call('photos.get', { id: first!.id })
    expect(detail).toMatchObject({ caption: 'A green square.', provenance: 'user', status: 'done', hasAutoCaption: false })
    expect(detail.paths[0]).toMatch(/\.jpg$/)
    expect((await call('photos.list', { filter: { hasUserCaption: true }, offset: 0, limit: 10 })).items.map((p) => p.id)).toEqual([first!.id])
    await expect(call('captions.restore', { photoId: first!.id })).rejects.toMatchObject({ code: 'conflict' })
    await expect(call('captions.regenerate', { photoId: first!.id })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('no model is loaded'),
    })
  })

  it('answers not_found for photos that do not exist', async () => {
    await expect(call('photos.get', { id: 424242 })).rejects.toMatchObject({ code: 'not_found' })
    expect(await backend.images('thumb', 424242)).toBeNull()
  })
})

describe('folder browser', () => {
  it('lists sub-folders only, sorted, and says why a folder cannot be opened', async () => {
    const listing = await call('folders.browse', { path: path.join(dir, 'photos') })
    expect(listing.entries.map((e) => e.name)).toEqual(['trip'])
    expect(listing.parent).toBe(dir)
    await expect(call('folders.browse', { path: path.join(dir, 'nope') })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('no such folder'),
    })
  })
})

describe('settings, packs and training info', () => {
  it('keeps worker threads and decoding, and lists installable packs with their sizes', async () => {
    const s = await call('settings.update', { decoding: { method: 'beam', beamSize: 3 }, workerThreads: 1 })
    expect(s.decoding).toEqual({ method: 'beam', beamSize: 3, maxTokens: 67 })
    expect((await call('settings.get', {})).workerThreads).toBe(1)
    const m = await call('models.info', {})
    expect(m.packs[0]).toMatchObject({ id: 'tiny', isTiny: true, installed: true })
    // The real packs of resources/models, installable, with their download size before
    // anything starts: the published sizes (CLIP, GPT-2), plus the cap of the paper's
    // checkpoint, whose size nobody publishes.
    const real = m.packs.filter((p) => !p.isTiny && !p.installed)
    expect(real.map((p) => p.id)).toContain('clipcap-coco-vitb32')
    expect(real.find((p) => p.id === 'clipcap-coco-vitb32')).toMatchObject({
      sizeBytes: 4186 + 605157884 + 862328 + 524657 + 665 + 548105171,
      sizeExact: false,
      sizeAtMostBytes: 4186 + 605157884 + 862328 + 524657 + 665 + 548105171 + 2 ** 30,
      trustedOnFirstUse: [],
    })
  })

  it('says how many user captions training has and needs', async () => {
    const t = await call('training.info', {})
    // Without ML no photo has an embedding, so the one user caption cannot train anything yet.
    expect(t.userCaptions).toBe(0)
    expect(t.minimumCaptions).toBeGreaterThan(1)
    await expect(call('training.cancel', {})).rejects.toMatchObject({ code: 'conflict' })
  })

  it('remembers that the welcome was seen', async () => {
    expect((await call('app.info', {})).firstRun).toBe(false)
    await call('app.completeWelcome', {})
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'lib.db.app.json'), 'utf8'))).toMatchObject({ welcomeDone: true })
  })
})
