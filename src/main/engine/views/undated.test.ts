// Undated photos (no date taken) in the grid: a group of their own after every
// dated month, in file-date order, never filed under the month they were copied.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { LibraryStore } from '../library/store.ts'
import { buildFixture } from '../../../../test/fixtures/search/fixture-library.ts'
import { createLibraryViews, UNDATED, UNDATED_LABEL, type LibraryViews } from './library-views.ts'

let dir: string
let db: LibraryDb
let views: LibraryViews

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-undated-'))
  db = openDatabase(path.join(dir, 'library.db'))
  await buildFixture(db, dir)
  const store = new LibraryStore(db)
  views = createLibraryViews(db, () => store.listRoots())
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('undated photos', () => {
  it('form their own last group, in file-date order, and are not counted in the month they were added', () => {
    const dated = (db.raw.prepare(`SELECT id FROM photos WHERE taken_at IS NOT NULL ORDER BY id`).all() as { id: number }[]).map((r) => r.id)
    const undatedBefore = views.timeline().total - dated.length
    const [a, b] = [dated[0]!, dated[1]!]
    const now = Date.now()
    // Added today (the month they would have been filed under), file dates in 2015 and 2016.
    db.raw.prepare(`UPDATE photos SET taken_at = NULL, added_at = ? WHERE id IN (?, ?)`).run(now, a, b)
    db.raw.prepare(`UPDATE paths SET mtime_ms = ? WHERE photo_id = ?`).run(Date.UTC(2015, 0, 1), a)
    db.raw.prepare(`UPDATE paths SET mtime_ms = ? WHERE photo_id = ?`).run(Date.UTC(2016, 0, 1), b)
    views.invalidate()
    const t = views.timeline()
    const last = t.months[t.months.length - 1]!
    expect(last).toEqual({ month: UNDATED, label: UNDATED_LABEL, count: undatedBefore + 2 })
    expect(t.months.filter((m) => m.month === UNDATED)).toHaveLength(1)
    expect(t.months.reduce((n, m) => n + m.count, 0)).toBe(t.total)
    const thisMonth = new Date(now).toISOString().slice(0, 7)
    const before = t.months.find((m) => m.month === thisMonth)?.count ?? 0
    const takenThisMonth = (
      db.raw.prepare(`SELECT count(*) AS n FROM photos WHERE taken_at IS NOT NULL AND strftime('%Y-%m', taken_at / 1000, 'unixepoch') = ?`).get(thisMonth) as {
        n: number
      }
    ).n
    expect(before).toBe(takenThisMonth)
    // The grid order agrees with the groups: the undated ones come last, newest file first.
    const ids = views.ids()
    const undated = ids.slice(ids.length - last.count)
    expect(new Set(undated)).toEqual(new Set((db.raw.prepare(`SELECT id FROM photos WHERE taken_at IS NULL`).all() as { id: number }[]).map((r) => r.id)))
    expect(undated.indexOf(b)).toBeLessThan(undated.indexOf(a))
    const queue = views.reviewQueue().ids
    expect(queue).toEqual(ids.filter((i) => queue.includes(i)))
  })

  it('oldest first reverses the dated photos and keeps the undated ones last, and neighbours follow the order', () => {
    const newest = views.ids()
    const oldest = views.ids(undefined, 'oldest')
    const undated = new Set((db.raw.prepare(`SELECT id FROM photos WHERE taken_at IS NULL`).all() as { id: number }[]).map((r) => r.id))
    const dated = (list: readonly number[]) => list.filter((i) => !undated.has(i))
    expect(dated(oldest)).toEqual([...dated(newest)].reverse())
    expect(oldest.slice(oldest.length - undated.size).every((i) => undated.has(i))).toBe(true)
    const months = views
      .timeline(undefined, 'oldest')
      .months.map((m) => m.month)
      .filter((m) => m !== UNDATED)
    expect(months).toEqual([...months].sort())
    expect(views.neighbours(oldest[1]!, undefined, 'oldest')).toEqual({ previous: oldest[0], next: oldest[2] ?? null })
  })
})
