// [Note: one filter meaning]
// The one place that says what a filter means. The grid (photos.list, timeline,
// neighbours), search by words, search by meaning, the review queue and export
// of a search all narrow photos through `compileFilter`, so a filter gives the
// same photos wherever it is used. The state a photo is shown with
// (`photoState`) is defined here too, next to its SQL twin, because filtering
// by a state must give exactly the photos shown with that state.
//
// Rules:
// - status: the state the photo is shown with (PHOTO_STATES). A photo whose
//   files are all gone is `missing` (kept for the grace period, listed
//   like any other photo, with that state); a failed photo is `failed` first.
// - caption: who wrote the current caption: `auto` (the model, not reviewed
//   yet), `reviewed` (the model's, accepted by a person in the review flow),
//   `user` (the person; also imported from the file), `none` (no caption yet).
// - folder: every photo with a file under the folder, at any depth, whichever
//   root holds it; '\' and '/' are the same separator on both sides (Windows),
//   and trailing separators do not matter. A folder whose name only starts the
//   same is not inside.
// - from / to: the date taken, inclusive. A date-only `to` (YYYY-MM-DD) covers
//   that whole day on the photo's own clock, as the timeline's months and the
//   search's day words are ([Note: dates taken are wall-clock]). A photo without a date
//   taken never matches a date range.
// - camera: a case-insensitive part of "make model" ("fuji", "X-T3").
import { EngineError } from '../errors.ts'
import type { PhotoSummary } from '../types.ts'

/** The states a photo is shown with, in the order a person meets them. */
export const PHOTO_STATES = ['queued', 'processing', 'done', 'failed', 'missing'] as const
export type PhotoState = (typeof PHOTO_STATES)[number]

/** Who wrote a photo's current caption, or 'none'. */
export const CAPTION_FILTERS = ['auto', 'reviewed', 'user', 'none'] as const
export type CaptionFilter = (typeof CAPTION_FILTERS)[number]

export interface PhotoFilter {
  rootId?: number | undefined
  /** Absolute folder; photos with a file inside it, at any depth. */
  folder?: string | undefined
  /** The state the photo is shown with (the API's PhotoSummary.status). */
  status?: PhotoState | undefined
  caption?: CaptionFilter | undefined
  /** true: the person wrote the current caption (= caption 'user'); false: anyone else or nobody. */
  hasUserCaption?: boolean | undefined
  camera?: string | undefined
  /** Date taken from (inclusive): an ISO date or date-time. */
  from?: string | undefined
  /** Date taken up to (inclusive; a date alone covers the whole day). */
  to?: string | undefined
}

export interface SqlCondition {
  /** A condition over `photos ph`; 'TRUE' when the filter is empty. */
  sql: string
  args: unknown[]
}

/** A filter value that cannot mean anything (an unreadable date): the caller's input is wrong. */
export class FilterError extends EngineError {
  constructor(message: string) {
    super('invalid_input', message)
    this.name = 'FilterError'
  }
}

/** The state a photo is shown with: the JS twin of `stateSql`. */
export function photoState(p: Pick<PhotoSummary, 'status' | 'missing' | 'provenance'>): PhotoState {
  if (p.status === 'failed') return 'failed'
  if (p.missing) return 'missing'
  if (p.status === 'captioned' || p.provenance === 'user') return 'done'
  if (p.status === 'indexed') return 'queued'
  return 'processing'
}

const PRESENT = `EXISTS (SELECT 1 FROM paths fp WHERE fp.photo_id = ph.id AND fp.present = 1)`
const captionBy = (provenance: 'auto' | 'user', extra = ''): string =>
  `EXISTS (SELECT 1 FROM captions fc WHERE fc.id = ph.caption_id AND fc.provenance = '${provenance}'${extra})`
const USER = captionBy('user')
/** An automatic caption no person has accepted yet: what the review queue holds. */
export const UNREVIEWED_AUTO = captionBy('auto', ' AND fc.reviewed_at IS NULL')
const REVIEWED_AUTO = captionBy('auto', ' AND fc.reviewed_at IS NOT NULL')

/** The SQL twin of `photoState`: same precedence (failed, missing, done, queued, processing). */
const stateSql: Record<PhotoState, string> = {
  failed: `ph.status = 'failed'`,
  missing: `ph.status <> 'failed' AND NOT ${PRESENT}`,
  done: `ph.status <> 'failed' AND ${PRESENT} AND (ph.status = 'captioned' OR ${USER})`,
  queued: `ph.status = 'indexed' AND ${PRESENT} AND NOT ${USER}`,
  processing: `ph.status IN ('thumbnailed', 'embedded') AND ${PRESENT} AND NOT ${USER}`,
}

const captionSql: Record<CaptionFilter, string> = {
  auto: UNREVIEWED_AUTO,
  reviewed: REVIEWED_AUTO,
  user: USER,
  none: `ph.caption_id IS NULL`,
}

/** Folder with '/' separators and exactly one trailing '/'. */
export function folderPrefix(folder: string): string {
  return folder.replace(/\\/g, '/').replace(/\/+$/, '') + '/'
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

// Dates taken are the photo's own wall-clock time ([Note: dates taken are wall-clock] in
// library/dates.ts): a date or zone-less time in a filter is read on that clock too
// (as UTC), never in this machine's zone.
const ZONELESS_TIME = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/

function dateMs(value: string, field: 'from' | 'to'): number {
  const ms = Date.parse(ZONELESS_TIME.test(value) ? `${value}Z` : value)
  if (Number.isNaN(ms)) throw new FilterError(`the '${field}' date '${value}' is not a date (use YYYY-MM-DD or an ISO date-time)`)
  return field === 'to' && DATE_ONLY.test(value) ? ms + 86_400_000 - 1 : ms
}

export function isEmptyFilter(filter: PhotoFilter = {}): boolean {
  return Object.values(filter).every((v) => v === undefined || v === '')
}

/** The filter as one SQL condition over `photos ph`. Throws FilterError for an unreadable date. */
export function compileFilter(filter: PhotoFilter = {}): SqlCondition {
  const parts: string[] = []
  const args: unknown[] = []
  if (filter.rootId !== undefined) {
    parts.push(`EXISTS (SELECT 1 FROM paths fp WHERE fp.photo_id = ph.id AND fp.root_id = ?)`)
    args.push(filter.rootId)
  }
  if (filter.folder !== undefined && filter.folder !== '') {
    const prefix = folderPrefix(filter.folder)
    parts.push(`EXISTS (SELECT 1 FROM paths fp JOIN roots fr ON fr.id = fp.root_id WHERE fp.photo_id = ph.id
      AND substr(rtrim(replace(fr.path, char(92), '/'), '/') || '/' || replace(fp.rel_path, char(92), '/'), 1, ?) = ?)`)
    // SQLite's substr counts characters, not UTF-16 units (a folder named with an emoji)
    args.push([...prefix].length, prefix)
  }
  if (filter.status !== undefined) parts.push(`(${stateSql[filter.status]})`)
  if (filter.caption !== undefined) parts.push(captionSql[filter.caption])
  if (filter.hasUserCaption !== undefined) parts.push(filter.hasUserCaption ? USER : `NOT ${USER}`)
  if (filter.camera !== undefined && filter.camera.trim() !== '') {
    parts.push(`instr(lower(coalesce(ph.camera_make, '') || ' ' || coalesce(ph.camera_model, '')), lower(?)) > 0`)
    args.push(filter.camera.trim())
  }
  if (filter.from !== undefined && filter.from !== '') {
    parts.push(`ph.taken_at >= ?`)
    args.push(dateMs(filter.from, 'from'))
  }
  if (filter.to !== undefined && filter.to !== '') {
    parts.push(`ph.taken_at <= ?`)
    args.push(dateMs(filter.to, 'to'))
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'TRUE', args }
}
