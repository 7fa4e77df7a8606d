// [Note: Library views for the interface]
// The grid needs what the engine facade does not offer yet: photos in date-taken
// order under filters (folder, status, user captions, dates, camera), month
// counts for the virtualised layout, neighbours for keyboard navigation, and
// folder counts for the sidebar. These are read-only queries over the engine's
// schema (src/main/engine/db/migrations/0001-library.sql); every photo they name
// is then read through the facade (`engine.photos.get`), so status, caption and
// provenance rules stay the engine's. If the engine grows these views, this
// file shrinks to calls.
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
    takenAt: p.takenAt === null ? null : new Date(p.takenAt).toISOString(),
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
  const summaries = (ids: number[]): PhotoSummary[] =>
    ids.map((id) => engine.photos.get(id)).filter((p): p is NonNullable<typeof p> => p !== null).map(toSummary)

  return {
    timeline(filter?: PhotoFilter): MethodOutput<'photos.timeline'> {
      const w = where(filter)
      const rows = db
        .stmt(`SELECT strftime('%Y-%m', ${SORT_KEY} / 1000, 'unixepoch') AS month, count(*) AS n FROM photos ph ${w.sql} GROUP BY month ORDER BY month DESC`)
        .all(...w.args) as { month: string | null; n: number }[]
      const months = rows.map((r) => ({ month: r.month ?? 'unknown', label: monthLabel(r.month ?? ''), count: r.n }))
      return { total: months.reduce((a, m) => a + m.count, 0), months }
    },

    list(filter: PhotoFilter | undefined, offset: number, limit: number): MethodOutput<'photos.list'> {
      const w = where(filter)
      const ids = (db.stmt(`SELECT ph.id FROM photos ph ${w.sql} ORDER BY ${SORT_KEY} DESC, ph.id DESC LIMIT ? OFFSET ?`).all(...w.args, limit, offset) as { id: number }[]).map((r) => r.id)
      const total = (db.stmt(`SELECT count(*) AS n FROM photos ph ${w.sql}`).get(...w.args) as { n: number }).n
      return { total, items: summaries(ids) }
    },

    neighbours(id: number, filter?: PhotoFilter): MethodOutput<'photos.neighbours'> {
      const key = db.stmt(`SELECT ${SORT_KEY} AS k FROM photos ph WHERE ph.id = ?`).get(id) as { k: number } | undefined
      if (!key) return { previous: null, next: null }
      const w = where(filter)
      const and = w.sql ? `${w.sql} AND` : 'WHERE'
      const prev = db.stmt(`SELECT ph.id FROM photos ph ${and} (${SORT_KEY} > ? OR (${SORT_KEY} = ? AND ph.id > ?)) ORDER BY ${SORT_KEY} ASC, ph.id ASC LIMIT 1`).get(...w.args, key.k, key.k, id) as { id: number } | undefined
      const next = db.stmt(`SELECT ph.id FROM photos ph ${and} (${SORT_KEY} < ? OR (${SORT_KEY} = ? AND ph.id < ?)) ORDER BY ${SORT_KEY} DESC, ph.id DESC LIMIT 1`).get(...w.args, key.k, key.k, id) as { id: number } | undefined
      return { previous: prev?.id ?? null, next: next?.id ?? null }
    },

    /** Each root with its recursive count, then each folder holding photos directly. */
    folderCounts(): MethodOutput<'folders.counts'> {
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
      return out
    },

    rootCount(rootId: number): number {
      return (db.stmt(`SELECT count(DISTINCT p.photo_id) AS n FROM paths p WHERE p.present = 1 AND p.root_id = ?`).get(rootId) as { n: number }).n
    },
  }
}

export type LibraryViews = ReturnType<typeof createLibraryViews>
