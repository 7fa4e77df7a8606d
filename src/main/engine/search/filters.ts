// Search filters as one SQL condition over `photos ph` (with `captions c` joined
// on the current caption), shared by word search (inside the FTS query) and
// meaning search (as the set of allowed photo ids).
import type { PhotoStatus } from '../types.ts'

export interface SearchFilters {
  /** Only photos with a file inside this absolute folder (any depth). */
  folder?: string
  /** Date taken, Unix ms, inclusive. A photo without a date never matches a date filter. */
  takenFrom?: number
  takenTo?: number
  /** Case-insensitive part of "make model", e.g. "fuji" or "X-T3". */
  camera?: string
  /** true: only photos whose current caption the user wrote; false: only the others. */
  hasUserCaption?: boolean
  /** A processing status, or 'missing' for photos none of whose files is present. */
  status?: PhotoStatus | 'missing'
}

export interface SqlCondition {
  sql: string
  args: unknown[]
}

/** Folder prefix with '/' separators and one trailing '/'. */
export function folderPrefix(folder: string): string {
  const f = folder.replace(/\\/g, '/').replace(/\/+$/, '')
  return f + '/'
}

export function filterCondition(filters: SearchFilters = {}): SqlCondition {
  const parts: string[] = []
  const args: unknown[] = []
  if (filters.folder !== undefined) {
    const prefix = folderPrefix(filters.folder)
    parts.push(`EXISTS (SELECT 1 FROM paths fp JOIN roots fr ON fr.id = fp.root_id WHERE fp.photo_id = ph.id
      AND substr(replace(fr.path, char(92), '/') || '/' || fp.rel_path, 1, ?) = ?)`)
    args.push(prefix.length, prefix)
  }
  if (filters.takenFrom !== undefined) {
    parts.push(`ph.taken_at >= ?`)
    args.push(filters.takenFrom)
  }
  if (filters.takenTo !== undefined) {
    parts.push(`ph.taken_at <= ?`)
    args.push(filters.takenTo)
  }
  if (filters.camera !== undefined && filters.camera.trim() !== '') {
    parts.push(`instr(lower(coalesce(ph.camera_make, '') || ' ' || coalesce(ph.camera_model, '')), lower(?)) > 0`)
    args.push(filters.camera.trim())
  }
  if (filters.hasUserCaption !== undefined) parts.push(filters.hasUserCaption ? `c.provenance = 'user'` : `(c.provenance IS NULL OR c.provenance <> 'user')`)
  const present = `EXISTS (SELECT 1 FROM paths pp WHERE pp.photo_id = ph.id AND pp.present = 1)`
  if (filters.status === 'missing') parts.push(`NOT ${present}`)
  else {
    // a photo whose files are all gone is kept for a grace period, but not offered as a result
    parts.push(present)
    if (filters.status !== undefined) {
      parts.push(`ph.status = ?`)
      args.push(filters.status)
    }
  }
  return { sql: parts.join(' AND '), args }
}

export function hasFilters(filters: SearchFilters = {}): boolean {
  return Object.values(filters).some((v) => v !== undefined)
}
