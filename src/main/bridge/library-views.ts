// [Note: Library views for the interface]
// The grid needs what the engine facade does not offer yet: photos in date-taken
// order under filters (folder, status, user captions, dates, camera), month
// counts for the virtualised layout, neighbours for keyboard navigation, and
// folder counts for the sidebar. These are read-only queries over the engine's
// schema (src/main/engine/db/migrations/0001-library.sql); every photo they name
// is then read through the facade (`engine.photos.get`), so status, caption and
// provenance rules stay the engine's. If the engine grows these views, this
// file shrinks to calls.
import { formatWallClock } from '../engine/library/dates.ts'
import path from 'node:path'
import type { MethodOutput } from '../../shared/api.ts'
import type { PhotoFilter, PhotoStatus, PhotoSummary } from '../../shared/types.ts'
import type { Engine } from '../engine/engine.ts'
import type { PhotoSummary as EnginePhoto } from '../engine/types.ts'

/** The date a photo sorts by: when it was taken, else when it was added. */
const SORT_KEY = 'coalesce(ph.taken_at, ph.added_at)'
const PRESENT = 'EXISTS (SELECT 1 FROM paths p WHERE p.photo_id = ph.id AND p.present = 1)'
const USER_CAPTION = `EXISTS (SELECT 1 FROM captions c WHERE c.id = ph.caption_id AND c.provenance = 'user')`

function where(filter: PhotoFilter | undefined): { sql: string; args: unknown[] } {
  const parts: string[] = []
  const args: unknown[] = []
  if (!filter) return { sql: '', args }
  if (filter.rootId !== undefined) {
    parts.push('EXISTS (SELECT 1 FROM paths p WHERE p.photo_id = ph.id AND p.root_id = ?)')
    args.push(filter.rootId)
  }
  if (filter.folder !== undefined) {
    // Everything under the folder, whichever root it belongs to.
    const prefix = filter.folder.replace(/[\\/]+$/, '') + '/'
    parts.push(`EXISTS (SELECT 1 FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ph.id AND substr(r.path || '/' || p.rel_path, 1, ?) = ?)`)
    args.push(prefix.length, prefix)
  }
  if (filter.status !== undefined) {
    const s = filter.status
    if (s === 'failed') parts.push(`ph.status = 'failed'`)
    else if (s === 'missing') parts.push(`NOT ${PRESENT}`)
    else if (s === 'done') parts.push(`(ph.status = 'captioned' OR ${USER_CAPTION})`)
    else if (s === 'queued') parts.push(`ph.status = 'indexed'`)
    else parts.push(`ph.status IN ('thumbnailed', 'embedded') AND NOT ${USER_CAPTION}`)
  }
  if (filter.hasUserCaption) parts.push(USER_CAPTION)
  if (filter.camera) {
    parts.push(`(coalesce(ph.camera_make, '') || ' ' || coalesce(ph.camera_model, '')) LIKE ? ESCAPE '\\'`)
    args.push(`%${filter.camera.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
  }
  const from = filter.from ? Date.parse(filter.from) : NaN
  const to = filter.to ? Date.parse(filter.to) : NaN
  if (!Number.isNaN(from)) {
    parts.push(`${SORT_KEY} >= ?`)
    args.push(from)
  }
  if (!Number.isNaN(to)) {
    // An end date means the whole of that day.
    parts.push(`${SORT_KEY} < ?`)
    args.push(to + (/^\d{4}-\d{2}-\d{2}$/.test(filter.to ?? '') ? 86_400_000 : 1))
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args }
}

export function statusOf(p: EnginePhoto): PhotoStatus {
  if (p.status === 'failed') return 'failed'
  if (p.missing) return 'missing'
  if (p.status === 'captioned' || p.provenance === 'user') return 'done'
  if (p.status === 'indexed') return 'queued'
  return 'processing'
}

export function toSummary(p: EnginePhoto): PhotoSummary {
  const first = p.paths.find((x) => x.present) ?? p.paths[0]
  const file = first?.path ?? `photo ${p.id}`
  return {
    id: p.id,
    name: path.basename(file),
    folder: path.dirname(file),
    // The photo's own wall-clock time, without a zone: shown as the photographer saw it on any machine ([Note: dates taken are wall-clock]).
    takenAt: p.takenAt === null ? null : formatWallClock(p.takenAt),
    width: p.width,
    height: p.height,
    status: statusOf(p),
    error: p.error,
    caption: p.caption,
    provenance: p.provenance,
  }
}

const monthLabel = (month: string): string => {
  const [y, m] = month.split('-').map(Number)
  if (!y || !m) return 'Date unknown'
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' })
}

export function createLibraryViews(engine: Engine) {
  const db = engine.db
  // [Note: view caches] The grid asks for a page per scroll step; sorting 100k rows
  // by date for each page costs ~60 ms, slicing a cached id list ~0. Each filter's
  // sorted ids, timeline and the folder counts are computed once and dropped on
  // any change event from the engine (backend.ts calls invalidate()).
  const sortedIds = new Map<string, number[]>()
  const timelines = new Map<string, MethodOutput<'photos.timeline'>>()
  let folderCache: MethodOutput<'folders.counts'> | null = null
  const keyOf = (filter: PhotoFilter | undefined): string => JSON.stringify(filter ?? {}, Object.keys(filter ?? {}).sort())
  const idsFor = (filter: PhotoFilter | undefined): number[] => {
    const key = keyOf(filter)
    let ids = sortedIds.get(key)
    if (!ids) {
      const w = where(filter)
      ids = (db.stmt(`SELECT ph.id FROM photos ph ${w.sql} ORDER BY ${SORT_KEY} DESC, ph.id DESC`).all(...w.args) as { id: number }[]).map((r) => r.id)
      if (sortedIds.size > 20) sortedIds.clear()
      sortedIds.set(key, ids)
    }
    return ids
  }
  const summaries = (ids: number[]): PhotoSummary[] =>
    ids.map((id) => engine.photos.get(id)).filter((p): p is NonNullable<typeof p> => p !== null).map(toSummary)

  return {
    invalidate(): void {
      sortedIds.clear()
      timelines.clear()
      folderCache = null
    },

    timeline(filter?: PhotoFilter): MethodOutput<'photos.timeline'> {
      const cached = timelines.get(keyOf(filter))
      if (cached) return cached
      const w = where(filter)
      const rows = db
        .stmt(`SELECT strftime('%Y-%m', ${SORT_KEY} / 1000, 'unixepoch') AS month, count(*) AS n FROM photos ph ${w.sql} GROUP BY month ORDER BY month DESC`)
        .all(...w.args) as { month: string | null; n: number }[]
      const months = rows.map((r) => ({ month: r.month ?? 'unknown', label: monthLabel(r.month ?? ''), count: r.n }))
      const out = { total: months.reduce((a, m) => a + m.count, 0), months }
      if (timelines.size > 20) timelines.clear()
      timelines.set(keyOf(filter), out)
      return out
    },

    list(filter: PhotoFilter | undefined, offset: number, limit: number): MethodOutput<'photos.list'> {
      const ids = idsFor(filter)
      return { total: ids.length, items: summaries(ids.slice(offset, offset + limit)) }
    },

    neighbours(id: number, filter?: PhotoFilter): MethodOutput<'photos.neighbours'> {
      const ids = idsFor(filter)
      const i = ids.indexOf(id)
      if (i < 0) return { previous: null, next: null }
      return { previous: ids[i - 1] ?? null, next: ids[i + 1] ?? null }
    },

    /** Each root with its recursive count, then each folder holding photos directly. */
    folderCounts(): MethodOutput<'folders.counts'> {
      if (folderCache) return folderCache
      const rows = db
        .stmt(`SELECT p.root_id AS rootId, r.path AS rootPath, rtrim(p.rel_path, replace(p.rel_path, '/', '')) AS dir, count(DISTINCT p.photo_id) AS n
               FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.present = 1 GROUP BY p.root_id, dir ORDER BY r.path, dir`)
        .all() as { rootId: number; rootPath: string; dir: string; n: number }[]
      const rootTotals = db.stmt(`SELECT p.root_id AS rootId, count(DISTINCT p.photo_id) AS n FROM paths p WHERE p.present = 1 GROUP BY p.root_id`).all() as { rootId: number; n: number }[]
      const out: MethodOutput<'folders.counts'> = []
      for (const root of engine.roots.list()) {
        out.push({ rootId: root.id, path: root.path, count: rootTotals.find((t) => t.rootId === root.id)?.n ?? 0 })
        for (const r of rows) if (r.rootId === root.id && r.dir !== '') out.push({ rootId: r.rootId, path: path.join(r.rootPath, r.dir), count: r.n })
      }
      folderCache = out
      return out
    },

    rootCount(rootId: number): number {
      return (db.stmt(`SELECT count(DISTINCT p.photo_id) AS n FROM paths p WHERE p.present = 1 AND p.root_id = ?`).get(rootId) as { n: number }).n
    },
  }
}

export type LibraryViews = ReturnType<typeof createLibraryViews>
