import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { loadMigrations } from '../db/migrate.ts'
import { JobQueue, Priority } from './queue.ts'
import { ProgressMeter } from './progress.ts'

function queue(now = { t: 1000 }) {
  const db = openDatabase(':memory:', { migrations: loadMigrations().filter((m) => m.version < 20) })
  db.raw.prepare(`INSERT INTO roots (id, path, added_at) VALUES (1, '/r', 0)`).run()
  for (let i = 1; i <= 5; i++) db.raw.prepare(`INSERT INTO photos (id, added_at, updated_at) VALUES (?, 0, 0)`).run(i)
  return { db, q: new JobQueue(db, () => now.t), now }
}

describe('job queue', () => {
  it('runs new photos before the backlog, and later pipeline stages before earlier ones', () => {
    const { q } = queue()
    q.enqueue('embed', { photoId: 1 }, Priority.backlog)
    q.enqueue('ingest', { rootId: 1, relPath: 'a.jpg' }, Priority.fresh)
    q.enqueue('thumbnail', { photoId: 2 }, Priority.fresh)
    q.enqueue('caption', { photoId: 3 }, Priority.backlog)
    const all = ['scan', 'ingest', 'thumbnail', 'embed', 'caption'] as const
    expect(q.nextKind(all)!.kind).toBe('thumbnail')
    q.claim('thumbnail', 10).forEach((j) => q.complete(j.id))
    expect(q.nextKind(all)!.kind).toBe('ingest')
    q.claim('ingest', 10).forEach((j) => q.complete(j.id))
    expect(q.nextKind(all)!.kind).toBe('caption')
    // Only kinds that can run now are offered (no ML: no embed/caption).
    expect(q.nextKind(['scan', 'ingest', 'thumbnail'])).toBeNull()
  })

  it('enqueues each job once while pending, keeping the more urgent priority', () => {
    const { q, db } = queue()
    q.enqueue('embed', { photoId: 1 }, Priority.backlog)
    q.enqueue('embed', { photoId: 1 }, Priority.fresh)
    q.enqueue('embed', { photoId: 1 }, Priority.backlog)
    expect(db.raw.prepare(`SELECT priority FROM jobs`).pluck().all()).toEqual([Priority.fresh])
  })

  it('claims in batches and counts attempts; retries with backoff, then fails for good', () => {
    const { q, now } = queue()
    for (let i = 1; i <= 5; i++) q.enqueue('embed', { photoId: i }, Priority.fresh)
    const batch = q.claim('embed', 3)
    expect(batch.map((j) => j.photo_id)).toEqual([1, 2, 3])
    expect(batch.every((j) => j.attempts === 1)).toBe(true)
    expect(q.counts().embed).toEqual({ queued: 2, running: 3, failed: 0 })
    expect(q.fail(batch[0]!, 'worker crashed', false)).toBe(false)
    expect(q.fail(batch[1]!, 'not an image', true)).toBe(true)
    q.complete(batch[2]!.id)
    // The retry waits for its backoff.
    expect(q.claim('embed', 10).map((j) => j.photo_id)).toEqual([4, 5])
    now.t += 600
    const again = q.claim('embed', 10)
    expect(again.map((j) => [j.photo_id, j.attempts])).toEqual([[1, 2]])
    q.fail(again[0]!, 'worker crashed', false)
    now.t += 2000
    const third = q.claim('embed', 10)[0]!
    expect(third.attempts).toBe(3)
    expect(q.fail(third, 'worker crashed', false)).toBe(true)
    expect(q.counts().embed.failed).toBe(2)
  })

  it('after a crash puts running jobs back, and fails those that keep crashing the process', () => {
    const { q, db } = queue()
    q.enqueue('thumbnail', { photoId: 1 }, Priority.fresh)
    q.enqueue('thumbnail', { photoId: 2 }, Priority.fresh)
    q.claim('thumbnail', 2) // ...and the process dies
    db.raw.prepare(`UPDATE jobs SET attempts = 3 WHERE photo_id = 2`).run()
    expect(q.recover()).toBe(1)
    expect(db.raw.prepare(`SELECT photo_id, state, error FROM jobs ORDER BY photo_id`).all()).toEqual([
      { photo_id: 1, state: 'queued', error: null },
      { photo_id: 2, state: 'failed', error: 'interrupted 3 times (the process stopped while working on it)' },
    ])
  })

  it('releases claimed jobs without counting the attempt, and cancels queued ones', () => {
    const { q } = queue()
    q.enqueue('caption', { photoId: 1 }, Priority.fresh)
    q.enqueue('embed', { photoId: 2 }, Priority.fresh)
    const [j] = q.claim('caption', 1)
    q.release([j!.id])
    expect(q.claim('caption', 1)[0]!.attempts).toBe(1)
    expect(q.cancel(['embed'])).toBe(1)
    expect(q.pendingCount()).toBe(1)
  })
})

describe('progress', () => {
  it('reports done/total, a rate over recent work and an ETA', () => {
    const clock = { t: 0 }
    const m = new ProgressMeter(() => clock.t)
    const counts = {
      scan: { queued: 0, running: 0, failed: 0 },
      ingest: { queued: 80, running: 10, failed: 0 },
      thumbnail: { queued: 0, running: 0, failed: 1 },
      embed: { queued: 0, running: 0, failed: 0 },
      caption: { queued: 0, running: 0, failed: 0 },
    }
    expect(m.snapshot(counts, false)).toMatchObject({ done: 0, total: 90, rate: 0, etaSeconds: null, failed: 0 })
    for (let i = 0; i < 10; i++) {
      clock.t += 500
      m.record(5)
    }
    const p = m.snapshot(counts, false)
    expect(p.done).toBe(50)
    expect(p.total).toBe(140)
    expect(p.rate).toBeCloseTo(50 / 4.5, 5) // 50 jobs between the first and last mark 4.5 s apart
    expect(p.etaSeconds).toBeCloseTo(90 / p.rate, 5)
    // Old marks fall out of the window: the rate follows current speed.
    clock.t += 20_000
    m.record(1)
    expect(m.snapshot(counts, true)).toMatchObject({ rate: 1, paused: true })
  })
})
