// [Note: RAW+JPEG pairs]
// Cameras set to RAW+JPEG write IMG_0042.CR2 and IMG_0042.JPG for one shot.
// That is one moment: one photo in the grid (shown, thumbnailed and captioned
// from the JPEG), with both paths kept. Pairing works in either ingest order:
// a RAW whose JPEG is already known joins the JPEG's photo; a JPEG whose RAW
// became a photo of its own first takes the RAW's path (and its captions) over.
import path from 'node:path'
import type { LibraryDb } from '../db/database.ts'
import { isRawName, pairedJpegNames } from './files.ts'

const jpegExt = /\.jpe?g$/i

/** The photo of the JPEG paired with the RAW file at `rel`, if that JPEG is known. */
export function pairedJpegPhoto(db: LibraryDb, rootId: number, rel: string): number | null {
  if (!isRawName(rel)) return null
  const dir = path.posix.dirname(rel)
  for (const name of pairedJpegNames(path.posix.basename(rel))) {
    const sibling = dir === '.' ? name : `${dir}/${name}`
    // (a JPEG that could not be read does not hide its RAW)
    const row = db
      .stmt(
        `SELECT p.photo_id FROM paths p JOIN photos ph ON ph.id = p.photo_id WHERE p.root_id = ? AND p.rel_path = ? AND p.present = 1 AND NOT (ph.status = 'failed' AND coalesce(ph.error_stage, 'ingest') = 'ingest')`,
      )
      .get(rootId, sibling) as { photo_id: number } | undefined
    if (row) return row.photo_id
  }
  return null
}

/** Join the RAW file at `rel` to `photoId` (in the caller's transaction). Returns a photo id that no longer exists, if one was emptied. */
export function attachRaw(db: LibraryDb, rootId: number, rel: string, photoId: number, size: number, mtimeMs: number, now: number): number | null {
  const prev = db.stmt(`SELECT id, photo_id FROM paths WHERE root_id = ? AND rel_path = ?`).get(rootId, rel) as { id: number; photo_id: number } | undefined
  if (!prev) {
    db.stmt(`INSERT INTO paths (photo_id, root_id, rel_path, size, mtime_ms, present, seen_at, raw_pair) VALUES (?, ?, ?, ?, ?, 1, ?, 1)`).run(
      photoId,
      rootId,
      rel,
      size,
      mtimeMs,
      now,
    )
    return null
  }
  db.stmt(`UPDATE paths SET photo_id = ?, size = ?, mtime_ms = ?, present = 1, missing_since = NULL, seen_at = ?, raw_pair = 1 WHERE id = ?`).run(
    photoId,
    size,
    mtimeMs,
    now,
    prev.id,
  )
  return prev.photo_id === photoId ? null : mergeIfEmpty(db, prev.photo_id, photoId)
}

/** After the JPEG at `rel` became `photoId`: take over RAW siblings that are photos of their own. Returns emptied photo ids. */
export function adoptRawSiblings(db: LibraryDb, rootId: number, rel: string, photoId: number): number[] {
  if (!jpegExt.test(rel)) return []
  const stem = rel.slice(0, rel.lastIndexOf('.'))
  // rel paths from stem + '.' up to stem + '/': every "stem.<ext>" in that folder
  const rows = db
    .stmt(`SELECT id, photo_id, rel_path FROM paths WHERE root_id = ? AND rel_path > ? AND rel_path < ? AND photo_id != ?`)
    .all(rootId, `${stem}.`, `${stem}/`, photoId) as { id: number; photo_id: number; rel_path: string }[]
  const emptied: number[] = []
  for (const r of rows) {
    if (!isRawName(r.rel_path) || r.rel_path.slice(stem.length + 1).includes('/')) continue
    db.stmt(`UPDATE paths SET photo_id = ?, raw_pair = 1 WHERE id = ?`).run(photoId, r.id)
    const gone = mergeIfEmpty(db, r.photo_id, photoId)
    if (gone !== null) emptied.push(gone)
  }
  return emptied
}

/** A photo left without paths gives its user captions to `into` (they are the person's words about that moment) and is deleted. */
function mergeIfEmpty(db: LibraryDb, from: number, into: number): number | null {
  if (db.stmt(`SELECT 1 FROM paths WHERE photo_id = ? LIMIT 1`).get(from)) return null
  const userCaptions = db.stmt(`SELECT id FROM captions WHERE photo_id = ? AND provenance = 'user' ORDER BY created_at, id`).all(from) as { id: number }[]
  for (const c of userCaptions) db.stmt(`UPDATE captions SET photo_id = ? WHERE id = ?`).run(into, c.id)
  const current = db.stmt(`SELECT c.provenance FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id WHERE ph.id = ?`).get(into) as
    { provenance: string | null } | undefined
  const latest = userCaptions.at(-1)
  if (latest && current?.provenance !== 'user') db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(latest.id, into)
  db.stmt(`DELETE FROM photos WHERE id = ?`).run(from)
  return from
}
