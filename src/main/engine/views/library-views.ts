// Library views for browsing: photos in date order under a filter
// ([Note: one filter meaning] in photo-filter.ts), month counts for the
// virtualised grid, neighbours for keyboard navigation, and folder counts for
// the sidebar. Read-only queries over the library schema; they answer with
// photo ids, and the caller reads each photo through the facade
// (`engine.photos.get`), so status, caption and provenance rules stay in one place.
import path from 'node:path'
import type { LibraryDb } from '../db/database.ts'
import type { Root } from '../types.ts'
import { compileFilter, UNREVIEWED_AUTO, type PhotoFilter, PHOTO_STATES, type PhotoState } from './photo-filter.ts'

/**
 * Grid order: photos with a date taken, newest first, then the undated ones
 * (newest file modification date first, else when added) in a group of their own, so an undated photo is
 * never filed under the month it happened to be copied in.
 */
const DATE = `coalesce(ph.taken_at, (SELECT max(fp.mtime_ms) FROM paths fp WHERE fp.photo_id = ph.id), ph.added_at)`
const ORDER = `(ph.taken_at IS NULL), ${DATE} DESC, ph.id DESC`
/** Oldest first, for the grid's sort control; undated still last. */
const ORDER_OLDEST = `(ph.taken_at IS NULL), ${DATE} ASC, ph.id ASC`
export type SortOrder = 'newest' | 'oldest'
/** The group key of the undated photos in the timeline. */
export const UNDATED = 'undated'
export const UNDATED_LABEL = 'No date: sorted by file date'
/** Cached filters per view before the cache starts over (a person uses a handful). */
const CACHED_FILTERS = 20

export interface MonthCount {
  /** 'YYYY-MM' of the date taken, or 'undated' (the last group) for photos without one. */
  month: string
  label: string
  count: number
}

export interface FolderCount {
  rootId: number
  path: string
  count: number
}

export interface LibraryViews {
  /** Drop the cached views; the engine calls it on every change to photos, captions or roots. */
  invalidate(): void
  timeline(filter?: PhotoFilter, order?: SortOrder): { total: number; months: MonthCount[] }
  /** A page of photo ids, newest first (date taken; undated last, by file date), or oldest first. */
  page(filter: PhotoFilter | undefined, offset: number, limit: number, order?: SortOrder): { total: number; ids: number[] }
  /** Every matching id in page order. */
  ids(filter?: PhotoFilter, order?: SortOrder): readonly number[]
  neighbours(id: number, filter?: PhotoFilter, order?: SortOrder): { previous: number | null; next: number | null }
  /** Each root with its recursive count, then each folder holding photos directly. */
  folderCounts(): FolderCount[]
  /** Photos with a present file in the root. */
  rootCount(rootId: number): number
  /**
   * The review queue under a filter, in grid order: photos whose automatic
   * caption no person has accepted yet, and photos that failed. `reviewed`
   * counts the others with a caption a person stands behind (accepted or
   * written), so progress reads "reviewed of reviewed + pending".
   */
  reviewQueue(filter?: PhotoFilter): { ids: number[]; reviewed: number }
  /** How many photos are shown with each state. */
  stateCounts(): Record<PhotoState, number>
}

const monthLabel = (month: string): string => {
  const [y, m] = month.split('-').map(Number)
  if (!y || !m) return 'Date unknown'
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' })
}

export function createLibraryViews(db: LibraryDb, roots: () => Root[]): LibraryViews {
  // [Note: view caches] The grid asks for a page per scroll step; sorting 100k rows
  // by date for each page costs ~60 ms, slicing a cached id list ~0. Each filter's
  // sorted ids, timeline and the folder counts are computed once and dropped on
  // any change event from the engine (engine.ts calls invalidate()).
  const sortedIds = new Map<string, number[]>()
  const timelines = new Map<string, { total: number; months: MonthCount[] }>()
  let folderCache: FolderCount[] | null = null
  const keyOf = (filter: PhotoFilter | undefined): string => JSON.stringify(filter ?? {}, Object.keys(filter ?? {}).sort())
  const remember = <V>(cache: Map<string, V>, key: string, value: V): V => {
    if (cache.size >= CACHED_FILTERS) cache.clear()
    cache.set(key, value)
    return value
  }

  const ids = (filter: PhotoFilter | undefined, order: SortOrder = 'newest'): number[] => {
    const key = `${order}:${keyOf(filter)}`
    const cached = sortedIds.get(key)
    if (cached) return cached
    const w = compileFilter(filter)
    const rows = db.stmt(`SELECT ph.id FROM photos ph WHERE ${w.sql} ORDER BY ${order === 'oldest' ? ORDER_OLDEST : ORDER}`).all(...w.args) as { id: number }[]
    return remember(
      sortedIds,
      key,
      rows.map((r) => r.id),
    )
  }

  return {
    invalidate() {
      sortedIds.clear()
      timelines.clear()
      folderCache = null
    },

    timeline(filter, order = 'newest') {
      const key = `${order}:${keyOf(filter)}`
      const cached = timelines.get(key)
      if (cached) return cached
      const w = compileFilter(filter)
      const rows = db
        .stmt(
          `SELECT CASE WHEN ph.taken_at IS NULL THEN '${UNDATED}' ELSE strftime('%Y-%m', ph.taken_at / 1000, 'unixepoch') END AS month, count(*) AS n
           FROM photos ph WHERE ${w.sql} GROUP BY month ORDER BY (month = '${UNDATED}'), month ${order === 'oldest' ? 'ASC' : 'DESC'}`,
        )
        .all(...w.args) as { month: string | null; n: number }[]
      const months = rows.map((r) =>
        r.month === UNDATED || r.month === null
          ? { month: UNDATED, label: UNDATED_LABEL, count: r.n }
          : { month: r.month, label: monthLabel(r.month), count: r.n },
      )
      return remember(timelines, key, { total: months.reduce((a, m) => a + m.count, 0), months })
    },

    page(filter, offset, limit, order) {
      const all = ids(filter, order)
      return { total: all.length, ids: all.slice(offset, offset + limit) }
    },

    ids: (filter, order) => ids(filter, order),

    neighbours(id, filter, order) {
      const all = ids(filter, order)
      const i = all.indexOf(id)
      if (i < 0) return { previous: null, next: null }
      return { previous: all[i - 1] ?? null, next: all[i + 1] ?? null }
    },

    folderCounts() {
      if (folderCache) return folderCache
      const rows = db
        .stmt(
          `SELECT p.root_id AS rootId, r.path AS rootPath, rtrim(p.rel_path, replace(p.rel_path, '/', '')) AS dir, count(DISTINCT p.photo_id) AS n
               FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.present = 1 GROUP BY p.root_id, dir ORDER BY r.path, dir`,
        )
        .all() as { rootId: number; rootPath: string; dir: string; n: number }[]
      const rootTotals = db.stmt(`SELECT p.root_id AS rootId, count(DISTINCT p.photo_id) AS n FROM paths p WHERE p.present = 1 GROUP BY p.root_id`).all() as {
        rootId: number
        n: number
      }[]
      const out: FolderCount[] = []
      for (const root of roots()) {
        out.push({ rootId: root.id, path: root.path, count: rootTotals.find((t) => t.rootId === root.id)?.n ?? 0 })
        for (const r of rows) if (r.rootId === root.id && r.dir !== '') out.push({ rootId: r.rootId, path: path.join(r.rootPath, r.dir), count: r.n })
      }
      folderCache = out
      return out
    },

    reviewQueue(filter) {
      const w = compileFilter(filter)
      const pending = db
        .stmt(`SELECT ph.id FROM photos ph WHERE (${w.sql}) AND (${UNREVIEWED_AUTO} OR ph.status = 'failed') ORDER BY ${ORDER}`)
        .all(...w.args) as { id: number }[]
      const done = db
        .stmt(
          `SELECT count(*) AS n FROM photos ph JOIN captions rc ON rc.id = ph.caption_id WHERE (${w.sql}) AND ph.status <> 'failed' AND (rc.provenance = 'user' OR rc.reviewed_at IS NOT NULL)`,
        )
        .get(...w.args) as { n: number }
      return { ids: pending.map((r) => r.id), reviewed: done.n }
    },

    stateCounts() {
      const out = Object.fromEntries(PHOTO_STATES.map((state) => [state, 0])) as Record<PhotoState, number>
      for (const state of PHOTO_STATES) {
        const w = compileFilter({ status: state })
        out[state] = (db.stmt(`SELECT count(*) AS n FROM photos ph WHERE ${w.sql}`).get(...w.args) as { n: number }).n
      }
      return out
    },

    rootCount(rootId) {
      return (db.stmt(`SELECT count(DISTINCT p.photo_id) AS n FROM paths p WHERE p.present = 1 AND p.root_id = ?`).get(rootId) as { n: number }).n
    },
  }
}
