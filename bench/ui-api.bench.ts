// What the interface waits for with a big library: the API calls behind the
// virtualised grid (month timeline, a 120-photo page at random offsets,
// neighbours, folder counts, one photo's details) through the real dispatcher
// and engine, at 100,000 photos (10,000 with --quick), plus the grid's own
// layout arithmetic. The library rows are seeded with SQL in one transaction
// (indexing 100k real files is the library bench's job, not this one's).
import path from 'node:path'
import type { BenchContext } from './run.ts'
import { median, percentile } from './run.ts'
import { createBackend } from '../src/main/app/backend.ts'
import { buildLayout, rowsInView } from '../src/renderer/src/lib/grid-layout.ts'

export const name = 'ui-api'

async function timeIt(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<{ p50: number; p95: number }> {
  const ms: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn(i)
    ms.push(performance.now() - t)
  }
  return { p50: +median(ms).toFixed(2), p95: +percentile(ms, 95).toFixed(2) }
}

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const photos = ctx.quick ? 10_000 : 100_000
  const backend = await createBackend({
    mode: 'web',
    dbPath: path.join(ctx.tmpDir, 'lib.db'),
    dataDir: path.join(ctx.tmpDir, 'data'),
    cacheDir: path.join(ctx.tmpDir, 'cache'),
    createMl: null,
    watch: false,
    log: () => undefined,
  })
  try {
    const db = backend.engine.db
    const now = Date.now()
    const seedStart = performance.now()
    db.tx(() => {
      db.stmt(`INSERT INTO roots (id, path, added_at) VALUES (1, ?, ?)`).run(path.join(ctx.tmpDir, 'photos'), now)
      const photo = db.stmt(
        `INSERT INTO photos (id, size, fast_hash, status, width, height, taken_at, added_at, updated_at) VALUES (?, ?, ?, 'captioned', 4000, 3000, ?, ?, ?)`,
      )
      const p = db.stmt(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, 1, ?, ?)`)
      const c = db.stmt(`INSERT INTO captions (id, photo_id, text, provenance, model_id, created_at) VALUES (?, ?, ?, 'auto', 'bench', ?)`)
      const link = db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`)
      for (let i = 1; i <= photos; i++) {
        // Ten years of photos, a few folders deep.
        photo.run(i, 1000 + i, `h${i}`, now - i * 3_000_000, now, now)
        p.run(i, `${2015 + (i % 10)}/${String((i % 12) + 1).padStart(2, '0')}/IMG_${i}.jpg`, now)
        c.run(i, i, `A photo of something quiet, number ${i}.`, now)
        link.run(i, i)
      }
    })
    const seedMs = performance.now() - seedStart
    ctx.log(`seeded ${photos} photos in ${seedMs.toFixed(0)} ms`)
    const call = async (method: string, input: unknown): Promise<unknown> => {
      const r = await backend.dispatcher.dispatch(method, input)
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
      return r.value
    }
    const offsets = Array.from({ length: 40 }, (_, i) => Math.floor((((i * 7919) % 997) / 997) * (photos - 120)))
    const timeline = await timeIt(10, () => call('photos.timeline', {}))
    const page = await timeIt(offsets.length, (i) => call('photos.list', { offset: offsets[i]!, limit: 120 }))
    const folderPage = await timeIt(10, () => call('photos.list', { filter: { folder: path.join(ctx.tmpDir, 'photos', '2019') }, offset: 0, limit: 120 }))
    const neighbours = await timeIt(40, (i) => call('photos.neighbours', { id: 1 + ((i * 2477) % photos) }))
    const counts = await timeIt(5, () => call('folders.counts', {}))
    const get = await timeIt(40, (i) => call('photos.get', { id: 1 + ((i * 131) % photos) }))
    const months = (await call('photos.timeline', {})) as { months: { month: string; label: string; count: number }[] }
    const layout = await timeIt(20, () => buildLayout(months.months, 6, 180, 52))
    const built = buildLayout(months.months, 6, 180, 52)
    const scroll = await timeIt(200, (i) => rowsInView(built, (i / 200) * built.height, (i / 200) * built.height + 1800))
    return {
      photos,
      seedMs: Math.round(seedMs),
      ms: { timeline, page120: page, folderPage120: folderPage, neighbours, folderCounts: counts, photoGet: get, gridLayout: layout, rowsInView: scroll },
      gridRows: built.rows.length,
      goal: 'a page of the grid (photos.list 120) under 50 ms p95 at 100k photos, so scrolling never waits',
    }
  } finally {
    await backend.close()
  }
}
