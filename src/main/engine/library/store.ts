// Reading and writing library rows (roots, photos, paths, captions,
// embeddings). Synchronous SQL only; the runners do the I/O around it.
import path from 'node:path'
import type { LibraryDb } from '../db/database.ts'
import type { ScanProblem } from './scanner.ts'
import type { DecodeOptions } from '../../ml/service.ts'
import type { Caption, JobFailure, JobKind, PhotoDetail, PhotoPath, PhotoQuery, PhotoStatus, PhotoSummary, Provenance, Root, RootOptions } from '../types.ts'
import type { PhotoMetadata } from './metadata.ts'
import { wellFormed } from '../../../shared/text-safety.ts'

interface RootRow {
  id: number
  path: string
  exclude: string
  use_polling: number
  available: number
  added_at: number
  last_scan_at: number | null
  scan_errors: string
}

export function rootFromRow(r: RootRow): Root {
  return {
    id: r.id,
    path: r.path,
    exclude: JSON.parse(r.exclude) as string[],
    usePolling: r.use_polling === 1,
    available: r.available === 1,
    addedAt: r.added_at,
    lastScanAt: r.last_scan_at,
  }
}

export class LibraryStore {
  constructor(
    readonly db: LibraryDb,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- roots

  listRoots(): Root[] {
    return (this.db.stmt(`SELECT * FROM roots ORDER BY id`).all() as RootRow[]).map(rootFromRow)
  }

  getRoot(id: number): Root | null {
    const r = this.db.stmt(`SELECT * FROM roots WHERE id = ?`).get(id) as RootRow | undefined
    return r ? rootFromRow(r) : null
  }

  /** The last scan's problems (rows stored before problems had a kind lack one until the next scan, which every start runs). */
  rootScanErrors(id: number): ScanProblem[] {
    const r = this.db.stmt(`SELECT scan_errors FROM roots WHERE id = ?`).get(id) as { scan_errors: string } | undefined
    return r ? (JSON.parse(r.scan_errors) as ScanProblem[]) : []
  }

  /** Insert a root, or return the existing one for the same folder (options updated). */
  upsertRoot(absPath: string, options: RootOptions): { root: Root; created: boolean } {
    const existing = this.db.stmt(`SELECT * FROM roots WHERE path = ?`).get(absPath) as RootRow | undefined
    if (existing) {
      if (options.exclude !== undefined || options.usePolling !== undefined) {
        this.db
          .stmt(`UPDATE roots SET exclude = coalesce(?, exclude), use_polling = coalesce(?, use_polling) WHERE id = ?`)
          .run(options.exclude ? JSON.stringify(options.exclude) : null, options.usePolling === undefined ? null : options.usePolling ? 1 : 0, existing.id)
      }
      return { root: this.getRoot(existing.id)!, created: false }
    }
    const info = this.db
      .stmt(`INSERT INTO roots (path, exclude, use_polling, added_at) VALUES (?, ?, ?, ?)`)
      .run(absPath, JSON.stringify(options.exclude ?? []), options.usePolling ? 1 : 0, this.now())
    return { root: this.getRoot(Number(info.lastInsertRowid))!, created: true }
  }

  /** Remove a root; photos that no longer have any path go with it. */
  deleteRoot(id: number): number[] {
    return this.db.tx(() => {
      const ids = (this.db.stmt(`SELECT DISTINCT photo_id FROM paths WHERE root_id = ?`).all(id) as { photo_id: number }[]).map((r) => r.photo_id)
      this.db.stmt(`DELETE FROM roots WHERE id = ?`).run(id)
      const orphaned: number[] = []
      for (const pid of ids) {
        if (!this.db.stmt(`SELECT 1 FROM paths WHERE photo_id = ? LIMIT 1`).get(pid)) {
          this.deletePhoto(pid)
          orphaned.push(pid)
        }
      }
      return orphaned
    })
  }

  /** Thumbnail keys of deleted photos that no other photo uses, for the cache to drop. */
  readonly unusedThumbKeys: string[] = []

  private deletePhoto(id: number): void {
    const key = (this.db.stmt(`SELECT thumb_key FROM photos WHERE id = ?`).get(id) as { thumb_key: string | null } | undefined)?.thumb_key
    this.db.stmt(`DELETE FROM photos WHERE id = ?`).run(id)
    if (key && !this.db.stmt(`SELECT 1 FROM photos WHERE thumb_key = ? LIMIT 1`).get(key)) this.unusedThumbKeys.push(key)
  }

  /** Take the keys collected by deletions (after their transaction committed). */
  takeUnusedThumbKeys(): string[] {
    return this.unusedThumbKeys.splice(0)
  }

  setRootAvailable(id: number, available: boolean): void {
    this.db.stmt(`UPDATE roots SET available = ? WHERE id = ?`).run(available ? 1 : 0, id)
  }

  setRootScanned(id: number, errors: ScanProblem[]): void {
    this.db.stmt(`UPDATE roots SET last_scan_at = ?, scan_errors = ?, available = 1 WHERE id = ?`).run(this.now(), JSON.stringify(errors.slice(0, 200)), id)
  }

  // ---- paths

  pathRow(rootId: number, rel: string): { id: number; photo_id: number; size: number | null; mtime_ms: number | null; present: number } | undefined {
    return this.db.stmt(`SELECT id, photo_id, size, mtime_ms, present FROM paths WHERE root_id = ? AND rel_path = ?`).get(rootId, rel) as
      { id: number; photo_id: number; size: number | null; mtime_ms: number | null; present: number } | undefined
  }

  /** Whether the photo has a present file other than the path row `pathId`. */
  hasOtherPresentPath(photoId: number, pathId: number): boolean {
    return this.db.stmt(`SELECT 1 FROM paths WHERE photo_id = ? AND id != ? AND present = 1 LIMIT 1`).get(photoId, pathId) !== undefined
  }

  /** A present copy of the photo other than the file at (rootId, rel), as root folder and rel path. */
  otherPresentCopy(photoId: number, rootId: number, rel: string): { root: string; rel: string } | undefined {
    return this.db
      .stmt(
        `SELECT r.path AS root, p.rel_path AS rel FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ? AND p.present = 1 AND NOT (p.root_id = ? AND p.rel_path = ?) LIMIT 1`,
      )
      .get(photoId, rootId, rel) as { root: string; rel: string } | undefined
  }

  /** The present files of a photo, as root id and rel path (for queueing them again). */
  presentRelPaths(photoId: number): { rootId: number; relPath: string }[] {
    return (this.db.stmt(`SELECT root_id, rel_path FROM paths WHERE photo_id = ? AND present = 1`).all(photoId) as { root_id: number; rel_path: string }[]).map(
      (p) => ({ rootId: p.root_id, relPath: p.rel_path }),
    )
  }

  /** Record a new file of a photo, present now. */
  insertPath(photoId: number, rootId: number, rel: string, size: number, mtimeMs: number, seenAt: number): void {
    this.db
      .stmt(`INSERT INTO paths (photo_id, root_id, rel_path, size, mtime_ms, present, seen_at) VALUES (?, ?, ?, ?, ?, 1, ?)`)
      .run(photoId, rootId, rel, size, mtimeMs, seenAt)
  }

  /** Point a known path at (possibly another) photo with the file's current size and mtime, present again. */
  relinkPath(pathId: number, photoId: number, size: number, mtimeMs: number, seenAt: number): void {
    this.db
      .stmt(`UPDATE paths SET photo_id = ?, size = ?, mtime_ms = ?, present = 1, missing_since = NULL, seen_at = ? WHERE id = ?`)
      .run(photoId, size, mtimeMs, seenAt, pathId)
  }

  setSidecarMtime(rootId: number, rel: string, mtimeMs: number | null): void {
    this.db.stmt(`UPDATE paths SET sidecar_mtime_ms = ? WHERE root_id = ? AND rel_path = ?`).run(mtimeMs, rootId, rel)
  }

  /** All known (rel path -> size, mtime, present) of a root, for a scan to compare against. */
  rootPaths(rootId: number): Map<string, { size: number | null; mtime: number | null; sidecarMtime: number | null; present: boolean; failed: boolean }> {
    const rows = this.db
      .stmt(
        `SELECT p.rel_path, p.size, p.mtime_ms, p.sidecar_mtime_ms, p.present, ph.fast_hash IS NULL AS unread FROM paths p JOIN photos ph ON ph.id = p.photo_id WHERE p.root_id = ?`,
      )
      .all(rootId) as { rel_path: string; size: number | null; mtime_ms: number | null; sidecar_mtime_ms: number | null; present: number; unread: number }[]
    return new Map(
      rows.map((r) => [r.rel_path, { size: r.size, mtime: r.mtime_ms, sidecarMtime: r.sidecar_mtime_ms, present: r.present === 1, failed: r.unread === 1 }]),
    )
  }

  /** Mark paths missing (deleted, moved away, folder gone). Returns photos that now have no present path. */
  markMissing(rootId: number, rels: readonly string[], prefix = false): number[] {
    const t = this.now()
    return this.db.tx(() => {
      const touched = new Set<number>()
      for (const rel of rels) {
        const rows = prefix
          ? (this.db
              .stmt(
                `SELECT id, photo_id FROM paths WHERE root_id = ? AND present = 1 AND (? = '' OR rel_path = ? OR substr(rel_path, 1, length(?) + 1) = ? || '/')`,
              )
              .all(rootId, rel, rel, rel, rel) as { id: number; photo_id: number }[])
          : (this.db.stmt(`SELECT id, photo_id FROM paths WHERE root_id = ? AND rel_path = ? AND present = 1`).all(rootId, rel) as {
              id: number
              photo_id: number
            }[])
        for (const r of rows) {
          this.db.stmt(`UPDATE paths SET present = 0, missing_since = ? WHERE id = ?`).run(t, r.id)
          touched.add(r.photo_id)
        }
      }
      return [...touched].filter((pid) => !this.db.stmt(`SELECT 1 FROM paths WHERE photo_id = ? AND present = 1 LIMIT 1`).get(pid))
    })
  }

  /** Absolute path of a present copy of the photo, or null. */
  /** A present file of the photo; of a RAW+JPEG pair, the JPEG ([Note: RAW+JPEG pairs] in raw-pairs.ts). */
  presentPath(photoId: number): string | null {
    const r = this.db
      .stmt(
        `SELECT r.path AS root, p.rel_path AS rel FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ? AND p.present = 1 ORDER BY p.raw_pair, p.id LIMIT 1`,
      )
      .get(photoId) as { root: string; rel: string } | undefined
    return r ? path.join(r.root, ...r.rel.split('/')) : null
  }

  /** Find a photo by the absolute path of one of its files. */
  photoIdByPath(absPath: string): number | null {
    for (const root of this.listRoots()) {
      const rel = path.relative(root.path, absPath)
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue
      const row = this.pathRow(root.id, rel.split(path.sep).join('/'))
      if (row) return row.photo_id
    }
    return null
  }

  /**
   * Forget what disappeared longer ago than the grace period: missing paths of
   * photos that live elsewhere, and photos with no present path at all.
   */
  purgeMissing(graceMs: number): number[] {
    const cutoff = this.now() - graceMs
    return this.db.tx(() => {
      const gone = (
        this.db
          .stmt(`SELECT ph.id FROM photos ph WHERE NOT EXISTS (SELECT 1 FROM paths p WHERE p.photo_id = ph.id AND (p.present = 1 OR p.missing_since > ?))`)
          .all(cutoff) as { id: number }[]
      ).map((r) => r.id)
      for (const id of gone) this.deletePhoto(id)
      this.db
        .stmt(
          `DELETE FROM paths WHERE present = 0 AND missing_since <= ? AND EXISTS (SELECT 1 FROM paths q WHERE q.photo_id = paths.photo_id AND q.present = 1)`,
        )
        .run(cutoff)
      return gone
    })
  }

  // ---- photos

  setStatus(photoId: number, status: PhotoStatus, error: string | null = null, errorStage: string | null = null): void {
    this.db.stmt(`UPDATE photos SET status = ?, error = ?, error_stage = ?, updated_at = ? WHERE id = ?`).run(status, error, errorStage, this.now(), photoId)
  }

  /** Advance the status, never moving it backwards past a later stage. */
  advance(photoId: number, status: PhotoStatus): void {
    const rank = "CASE status WHEN 'indexed' THEN 0 WHEN 'thumbnailed' THEN 1 WHEN 'embedded' THEN 2 WHEN 'captioned' THEN 3 ELSE -1 END"
    const target = { indexed: 0, thumbnailed: 1, embedded: 2, captioned: 3, failed: -1 }[status]
    this.db
      .stmt(`UPDATE photos SET status = ?, error = NULL, error_stage = NULL, updated_at = ? WHERE id = ? AND (${rank} < ? OR status = 'failed')`)
      .run(status, this.now(), photoId, target)
  }

  photoExists(photoId: number): boolean {
    return this.db.stmt(`SELECT 1 FROM photos WHERE id = ?`).get(photoId) !== undefined
  }

  /** A new photo row for content seen for the first time. */
  insertPhoto(size: number, fastHash: string, fullHash: string | null, t: number): number {
    return Number(
      this.db.stmt(`INSERT INTO photos (size, fast_hash, full_hash, added_at, updated_at) VALUES (?, ?, ?, ?, ?)`).run(size, fastHash, fullHash, t, t)
        .lastInsertRowid,
    )
  }

  /** A photo row, with its path, for a file that could not be read at all (so its error is listed). */
  insertUnreadable(rootId: number, rel: string, message: string, t: number): number {
    const photoId = Number(
      this.db.stmt(`INSERT INTO photos (status, error, error_stage, added_at, updated_at) VALUES ('failed', ?, 'ingest', ?, ?)`).run(message, t, t)
        .lastInsertRowid,
    )
    this.db.stmt(`INSERT INTO paths (photo_id, root_id, rel_path, present, seen_at) VALUES (?, ?, ?, 1, ?)`).run(photoId, rootId, rel, t)
    return photoId
  }

  /** Drop a photo row no path points at any more; false when a path still does. */
  deletePhotoIfPathless(photoId: number): boolean {
    if (this.db.stmt(`SELECT 1 FROM paths WHERE photo_id = ? LIMIT 1`).get(photoId)) return false
    this.db.stmt(`DELETE FROM photos WHERE id = ?`).run(photoId)
    return true
  }

  /** Photos whose size and quick hash are these (candidates for the same content). */
  photosWithQuickKey(size: number, fastHash: string): { id: number; full_hash: string | null }[] {
    return this.db.stmt(`SELECT id, full_hash FROM photos WHERE size = ? AND fast_hash = ?`).all(size, fastHash) as { id: number; full_hash: string | null }[]
  }

  setFullHash(photoId: number, fullHash: string): void {
    this.db.stmt(`UPDATE photos SET full_hash = ? WHERE id = ?`).run(fullHash, photoId)
  }

  /** Record the full hash of a photo that did not have one yet. */
  fillFullHash(photoId: number, fullHash: string): void {
    this.db.stmt(`UPDATE photos SET full_hash = ? WHERE id = ? AND full_hash IS NULL`).run(fullHash, photoId)
  }

  /** The file at a known path changed: new content identity; what was derived from the old bytes (thumbnail, embeddings, status) goes. */
  replaceContent(photoId: number, size: number, fastHash: string, fullHash: string | null, t: number): void {
    this.db
      .stmt(
        `UPDATE photos SET size = ?, fast_hash = ?, full_hash = ?, thumb_key = NULL, status = 'indexed', error = NULL, error_stage = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(size, fastHash, fullHash, t, photoId)
    this.db.stmt(`DELETE FROM embeddings WHERE photo_id = ?`).run(photoId)
  }

  /** What the header probe and the metadata reader found. */
  setImageFacts(photoId: number, probe: { format: string; width: number; height: number }, meta: PhotoMetadata, t: number): void {
    this.db
      .stmt(
        `UPDATE photos SET mime = ?, width = ?, height = ?, orientation = ?, taken_at = ?, taken_offset = ?, taken_source = ?, camera_make = ?, camera_model = ?, gps_lat = ?, gps_lon = ?,
        embedded_description = ?, embedded_filler = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        probe.format,
        probe.width,
        probe.height,
        meta.orientation,
        meta.takenAt,
        meta.takenOffsetMinutes,
        meta.takenSource,
        meta.cameraMake,
        meta.cameraModel,
        meta.gpsLat,
        meta.gpsLon,
        meta.embeddedDescription,
        meta.fillerReason,
        t,
        photoId,
      )
  }

  /** An ingest failure is over: back to 'indexed' (a later stage's failure stays until that stage is retried). */
  clearIngestFailure(photoId: number): void {
    this.db
      .stmt(
        `UPDATE photos SET status = 'indexed', error = NULL, error_stage = NULL WHERE id = ? AND status = 'failed' AND coalesce(error_stage, 'ingest') = 'ingest'`,
      )
      .run(photoId)
  }

  /** The photo's content key (full hash, else quick hash), which names its thumbnails. */
  contentKey(photoId: number): string | null {
    return (
      (this.db.stmt(`SELECT coalesce(full_hash, fast_hash) AS key FROM photos WHERE id = ?`).get(photoId) as { key: string | null } | undefined)?.key ?? null
    )
  }

  /** Whether the photo's thumbnail was made from its current content. */
  thumbnailCurrent(photoId: number): boolean {
    const row = this.db.stmt(`SELECT thumb_key, coalesce(full_hash, fast_hash) AS key FROM photos WHERE id = ?`).get(photoId) as {
      thumb_key: string | null
      key: string
    }
    return row.thumb_key === row.key
  }

  /** The thumbnail key and pixel size of a photo (undefined: no such photo). */
  thumbnailInfo(photoId: number): { thumbKey: string | null; width: number | null; height: number | null } | undefined {
    const r = this.db.stmt(`SELECT thumb_key, width, height FROM photos WHERE id = ?`).get(photoId) as
      { thumb_key: string | null; width: number | null; height: number | null } | undefined
    return r ? { thumbKey: r.thumb_key, width: r.width, height: r.height } : undefined
  }

  setThumbnail(photoId: number, key: string, decodeNote: string | null): void {
    this.db.stmt(`UPDATE photos SET thumb_key = ?, decode_note = ? WHERE id = ?`).run(key, decodeNote, photoId)
  }

  /** Whether the library decoded the photo only leniently (it has a decode note). */
  hasDecodeNote(photoId: number): boolean {
    return Boolean((this.db.stmt(`SELECT decode_note IS NOT NULL AS noted FROM photos WHERE id = ?`).get(photoId) as { noted: number } | undefined)?.noted)
  }

  // ---- counts (library status)

  countByStatus(): Record<PhotoStatus, number> {
    const byStatus: Record<PhotoStatus, number> = { indexed: 0, thumbnailed: 0, embedded: 0, captioned: 0, failed: 0 }
    for (const r of this.db.stmt(`SELECT status, count(*) AS n FROM photos GROUP BY status`).all() as { status: PhotoStatus; n: number }[])
      byStatus[r.status] = r.n
    return byStatus
  }

  /** Photos of one status, or all. */
  countPhotos(status?: PhotoStatus): number {
    const row = status ? this.db.stmt(`SELECT count(*) AS n FROM photos WHERE status = ?`).get(status) : this.db.stmt(`SELECT count(*) AS n FROM photos`).get()
    return (row as { n: number }).n
  }

  /** Photos with no present file. */
  countMissing(): number {
    return this.count(`SELECT count(*) AS n FROM photos ph WHERE NOT EXISTS (SELECT 1 FROM paths p WHERE p.photo_id = ph.id AND p.present = 1)`)
  }

  /** Photos whose current automatic caption another caption model made. */
  countStaleCaptions(captionModelId: string): number {
    return this.count(
      `SELECT count(*) AS n FROM photos ph JOIN captions c ON c.id = ph.caption_id WHERE c.provenance = 'auto' AND c.model_id IS NOT ?`,
      captionModelId,
    )
  }

  /** Photos embedded, but not by this embedding model. */
  countStaleEmbeddings(embeddingModelId: string): number {
    return this.count(
      `SELECT count(*) AS n FROM photos ph WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.photo_id = ph.id) AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.photo_id = ph.id AND e.model_id = ?)`,
      embeddingModelId,
    )
  }

  /** Photos whose current caption a person wrote. */
  countUserCaptions(): number {
    return this.count(`SELECT count(*) AS n FROM photos ph JOIN captions c ON c.id = ph.caption_id WHERE c.provenance = 'user'`)
  }

  private count(sql: string, ...args: unknown[]): number {
    return (this.db.stmt(sql).get(...args) as { n: number }).n
  }

  // ---- failures

  /** Failed photos, newest failure first, with a file and the most attempts any of their jobs made. */
  failures(limit: number): JobFailure[] {
    const rows = this.db
      .stmt(
        `SELECT ph.id, ph.error, ph.error_stage, (SELECT r.path || '/' || p.rel_path FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ph.id ORDER BY p.present DESC, p.id LIMIT 1) AS path,
      (SELECT max(attempts) FROM jobs j WHERE j.photo_id = ph.id OR (j.root_id, j.rel_path) IN (SELECT root_id, rel_path FROM paths WHERE photo_id = ph.id)) AS attempts
      FROM photos ph WHERE ph.status = 'failed' ORDER BY ph.updated_at DESC LIMIT ?`,
      )
      .all(limit) as { id: number; error: string | null; error_stage: string | null; path: string | null; attempts: number | null }[]
    return rows.map((r) => ({
      photoId: r.id,
      path: r.path,
      kind: (r.error_stage ?? 'ingest') as JobKind,
      error: r.error ?? 'unknown error',
      attempts: r.attempts ?? 1,
    }))
  }

  /** Failed photos (all, or those of `photoIds` that failed) with the stage that failed. */
  failedPhotos(photoIds?: readonly number[]): { id: number; stage: JobKind }[] {
    const rows = (
      photoIds
        ? photoIds.map((id) => this.db.stmt(`SELECT id, error_stage FROM photos WHERE id = ? AND status = 'failed'`).get(id)).filter(Boolean)
        : this.db.stmt(`SELECT id, error_stage FROM photos WHERE status = 'failed'`).all()
    ) as { id: number; error_stage: string | null }[]
    return rows.map((r) => ({ id: r.id, stage: (r.error_stage ?? 'ingest') as JobKind }))
  }

  photoKey(photoId: number): { key: string | null; status: PhotoStatus; captionProvenance: Provenance | null; captionReviewed: boolean } | null {
    const r = this.db
      .stmt(`SELECT ph.thumb_key, ph.status, c.provenance, c.reviewed_at FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id WHERE ph.id = ?`)
      .get(photoId) as { thumb_key: string | null; status: PhotoStatus; provenance: Provenance | null; reviewed_at: number | null } | undefined
    return r ? { key: r.thumb_key, status: r.status, captionProvenance: r.provenance, captionReviewed: r.reviewed_at !== null } : null
  }

  // ---- embeddings

  putEmbedding(photoId: number, modelId: string, vector: Float32Array): void {
    const blob = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)
    this.db
      .stmt(`INSERT OR REPLACE INTO embeddings (photo_id, model_id, dim, vector, created_at) VALUES (?, ?, ?, ?, ?)`)
      .run(photoId, modelId, vector.length, blob, this.now())
  }

  hasEmbedding(photoId: number, modelId: string): boolean {
    return this.db.stmt(`SELECT 1 FROM embeddings WHERE photo_id = ? AND model_id = ?`).get(photoId, modelId) !== undefined
  }

  getEmbedding(photoId: number, modelId: string): Float32Array | null {
    const r = this.db.stmt(`SELECT vector FROM embeddings WHERE photo_id = ? AND model_id = ?`).get(photoId, modelId) as { vector: Buffer } | undefined
    if (!r) return null
    // Copy into an aligned buffer: a Buffer from SQLite may sit at any offset.
    const out = new Float32Array(r.vector.byteLength / 4)
    new Uint8Array(out.buffer).set(r.vector)
    return out
  }

  // ---- captions

  /** Whether this text was already imported from the photo's file. */
  hasFileCaption(photoId: number, text: string): boolean {
    return this.db.stmt(`SELECT 1 FROM captions WHERE photo_id = ? AND source = 'file' AND text = ?`).get(photoId, text) !== undefined
  }

  /** Who wrote the photo's current caption and where it came from (nulls: none). */
  currentCaptionOrigin(photoId: number): { provenance: string | null; source: string | null } | undefined {
    return this.db.stmt(`SELECT c.provenance, c.source FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id WHERE ph.id = ?`).get(photoId) as
      { provenance: string | null; source: string | null } | undefined
  }

  /** Captions imported from the photo's file. */
  fileCaptions(photoId: number): { id: number; text: string }[] {
    return this.db.stmt(`SELECT id, text FROM captions WHERE photo_id = ? AND source = 'file'`).all(photoId) as { id: number; text: string }[]
  }

  /**
   * Delete captions of a photo. When its current one went, the newest left
   * becomes current; with none left a captioned photo goes back to 'embedded'.
   * Returns true in that last case (the caption stage must run again).
   */
  deleteCaptions(photoId: number, captionIds: readonly number[]): boolean {
    for (const id of captionIds) this.db.stmt(`DELETE FROM captions WHERE id = ?`).run(id)
    const current = this.db.stmt(`SELECT caption_id FROM photos WHERE id = ?`).get(photoId) as { caption_id: number | null }
    if (current.caption_id !== null) return false
    const latest = this.db.stmt(`SELECT id, provenance FROM captions WHERE photo_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`).get(photoId) as
      { id: number; provenance: string } | undefined
    this.db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(latest?.id ?? null, photoId)
    return !latest && this.db.stmt(`UPDATE photos SET status = 'embedded' WHERE id = ? AND status = 'captioned'`).run(photoId).changes > 0
  }

  addCaption(
    photoId: number,
    text: string,
    provenance: Provenance,
    opts: { modelId?: string | null; decoding?: DecodeOptions | null; source?: string | null; makeCurrent: boolean },
  ): number {
    const info = this.db
      .stmt(`INSERT INTO captions (photo_id, text, provenance, model_id, decoding, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(photoId, wellFormed(text), provenance, opts.modelId ?? null, opts.decoding ? JSON.stringify(opts.decoding) : null, opts.source ?? null, this.now())
    const id = Number(info.lastInsertRowid)
    if (opts.makeCurrent) this.db.stmt(`UPDATE photos SET caption_id = ?, updated_at = ? WHERE id = ?`).run(id, this.now(), photoId)
    return id
  }

  setCurrentCaption(photoId: number, captionId: number): boolean {
    return (
      this.db
        .stmt(`UPDATE photos SET caption_id = ?, updated_at = ? WHERE id = ? AND EXISTS (SELECT 1 FROM captions WHERE id = ? AND photo_id = ?)`)
        .run(captionId, this.now(), photoId, captionId, photoId).changes > 0
    )
  }

  /**
   * Mark the photo's current automatic caption as reviewed (accepted by a
   * person). Returns false when there is no current automatic caption to accept
   * (none yet, or the person's own, which needs no review).
   */
  markReviewed(photoId: number): boolean {
    const r = this.db
      .stmt(`UPDATE captions SET reviewed_at = coalesce(reviewed_at, ?) WHERE id = (SELECT caption_id FROM photos WHERE id = ?) AND provenance = 'auto'`)
      .run(this.now(), photoId)
    if (r.changes > 0) this.db.stmt(`UPDATE photos SET updated_at = ? WHERE id = ?`).run(this.now(), photoId)
    return r.changes > 0
  }

  captionHistory(photoId: number): Caption[] {
    const current = (this.db.stmt(`SELECT caption_id FROM photos WHERE id = ?`).get(photoId) as { caption_id: number | null } | undefined)?.caption_id ?? null
    const rows = this.db.stmt(`SELECT * FROM captions WHERE photo_id = ? ORDER BY created_at DESC, id DESC`).all(photoId) as CaptionRow[]
    return rows.map((r) => captionFromRow(r, current))
  }

  caption(captionId: number): Caption | null {
    const r = this.db.stmt(`SELECT c.*, ph.caption_id AS current_id FROM captions c JOIN photos ph ON ph.id = c.photo_id WHERE c.id = ?`).get(captionId) as
      (CaptionRow & { current_id: number | null }) | undefined
    return r ? captionFromRow(r, r.current_id) : null
  }

  // ---- reading photos for the API

  listPhotos(query: PhotoQuery, activeCaptionModel: string | null): PhotoSummary[] {
    const where: string[] = []
    const args: unknown[] = []
    if (query.status === 'missing') where.push(`NOT EXISTS (SELECT 1 FROM paths q WHERE q.photo_id = ph.id AND q.present = 1)`)
    else if (query.status) {
      where.push(`ph.status = ?`)
      args.push(query.status)
    }
    if (query.rootId !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM paths q WHERE q.photo_id = ph.id AND q.root_id = ?)`)
      args.push(query.rootId)
    }
    const order = query.order === 'taken' ? `ph.taken_at DESC NULLS LAST, ph.id DESC` : query.order === 'id' ? `ph.id` : `ph.id DESC`
    const sql = `SELECT ph.*, c.text AS caption_text, c.provenance AS caption_provenance, c.model_id AS caption_model, c.reviewed_at AS caption_reviewed_at FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id
      ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ? OFFSET ?`
    const rows = this.db.stmt(sql).all(...args, query.limit ?? -1, query.offset ?? 0) as PhotoRow[]
    const pathsOf = this.pathsFor(rows.map((r) => r.id))
    return rows.map((r) => summaryFromRow(r, pathsOf.get(r.id) ?? [], activeCaptionModel))
  }

  getPhoto(id: number, activeCaptionModel: string | null): PhotoDetail | null {
    const r = this.db
      .stmt(
        `SELECT ph.*, c.text AS caption_text, c.provenance AS caption_provenance, c.model_id AS caption_model, c.reviewed_at AS caption_reviewed_at FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id WHERE ph.id = ?`,
      )
      .get(id) as PhotoRow | undefined
    if (!r) return null
    const models = (this.db.stmt(`SELECT model_id FROM embeddings WHERE photo_id = ? ORDER BY model_id`).all(id) as { model_id: string }[]).map(
      (m) => m.model_id,
    )
    return {
      ...summaryFromRow(r, this.pathsFor([id]).get(id) ?? [], activeCaptionModel),
      takenOffsetMinutes: r.taken_offset,
      takenSource: r.taken_source,
      embeddedDescription: r.embedded_description,
      embeddedFiller: r.embedded_filler,
      decodeNote: r.decode_note,
      size: r.size,
      mime: r.mime,
      orientation: r.orientation,
      cameraMake: r.camera_make,
      cameraModel: r.camera_model,
      gpsLat: r.gps_lat,
      gpsLon: r.gps_lon,
      addedAt: r.added_at,
      updatedAt: r.updated_at,
      embeddingModels: models,
    }
  }

  private pathsFor(ids: number[]): Map<number, PhotoPath[]> {
    const out = new Map<number, PhotoPath[]>()
    if (ids.length === 0) return out
    const st = this.db.stmt(
      `SELECT p.photo_id, p.root_id, p.rel_path, p.present, p.missing_since, r.path AS root FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ? ORDER BY p.present DESC, p.id`,
    )
    for (const id of ids) {
      const rows = st.all(id) as { photo_id: number; root_id: number; rel_path: string; present: number; missing_since: number | null; root: string }[]
      out.set(
        id,
        rows.map((p) => ({ rootId: p.root_id, path: path.join(p.root, ...p.rel_path.split('/')), present: p.present === 1, missingSince: p.missing_since })),
      )
    }
    return out
  }
}

interface CaptionRow {
  id: number
  photo_id: number
  text: string
  provenance: Provenance
  model_id: string | null
  decoding: string | null
  source: string | null
  created_at: number
  reviewed_at: number | null
}

function captionFromRow(r: CaptionRow, current: number | null): Caption {
  return {
    id: r.id,
    photoId: r.photo_id,
    text: r.text,
    provenance: r.provenance,
    modelId: r.model_id,
    decoding: r.decoding ? (JSON.parse(r.decoding) as DecodeOptions) : null,
    source: r.source,
    createdAt: r.created_at,
    reviewedAt: r.reviewed_at ?? null,
    current: r.id === current,
  }
}

interface PhotoRow {
  id: number
  size: number | null
  status: PhotoStatus
  error: string | null
  mime: string | null
  width: number | null
  height: number | null
  orientation: number | null
  taken_at: number | null
  taken_offset: number | null
  taken_source: string | null
  embedded_description: string | null
  embedded_filler: string | null
  decode_note: string | null
  camera_make: string | null
  camera_model: string | null
  gps_lat: number | null
  gps_lon: number | null
  added_at: number
  updated_at: number
  caption_text: string | null
  caption_provenance: Provenance | null
  caption_model: string | null
  caption_reviewed_at: number | null
}

function summaryFromRow(r: PhotoRow, paths: PhotoPath[], activeCaptionModel: string | null): PhotoSummary {
  return {
    id: r.id,
    paths,
    caption: r.caption_text,
    provenance: r.caption_provenance,
    reviewed: r.caption_provenance === 'user' || (r.caption_reviewed_at ?? null) !== null,
    captionStale: r.caption_provenance === 'auto' && activeCaptionModel !== null && r.caption_model !== activeCaptionModel,
    status: r.status,
    missing: !paths.some((p) => p.present),
    error: r.error,
    takenAt: r.taken_at,
    width: r.width,
    height: r.height,
  }
}
