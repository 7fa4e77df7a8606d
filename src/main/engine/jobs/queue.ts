// The durable job queue: rows in the `jobs` table, claimed in batches.
//
// [Note: durable jobs]
// A job's effect and its completion are written in the same transaction, so
// after kill -9 a job is either done (and its effect stored) or still pending.
// Claiming bumps `attempts` before the work starts: a file that crashes the
// process every time it is touched (a native decoder bug) fails after
// `max_attempts` restarts instead of crash-looping forever. At startup,
// `recover()` puts jobs left 'running' by a dead process back in the queue.
// Finished jobs are deleted (the queue stays small); failed ones stay, with
// their error, until retried or until their photo is forgotten.
import type { LibraryDb } from '../db/database.ts'
import { JOB_KINDS, type JobKind } from '../types.ts'

export interface JobRow {
  id: number
  kind: JobKind
  root_id: number | null
  rel_path: string | null
  photo_id: number | null
  priority: number
  attempts: number
  max_attempts: number
}

/** New photos first, then the backlog (re-processing after a model change, retries). */
export const Priority = { user: 0, fresh: 10, backlog: 50 } as const

/** Later pipeline stages go first, so a photo that started finishes soon. */
export const stageOrder: JobKind[] = [...JOB_KINDS].reverse()

export interface Subject {
  rootId?: number | null
  relPath?: string | null
  photoId?: number | null
}

export class JobQueue {
  constructor(
    private readonly db: LibraryDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Add a job unless the same one is already pending (then keep the more urgent priority). */
  enqueue(kind: JobKind, subject: Subject, priority: number, maxAttempts = 3): void {
    const t = this.now()
    const info = this.db
      .stmt(`INSERT OR IGNORE INTO jobs (kind, root_id, rel_path, photo_id, priority, max_attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(kind, subject.rootId ?? null, subject.relPath ?? null, subject.photoId ?? null, priority, maxAttempts, t, t)
    if (info.changes === 0) {
      this.db
        .stmt(
          `UPDATE jobs SET priority = min(priority, ?) WHERE kind = ? AND coalesce(photo_id, -1) = coalesce(?, -1) AND coalesce(root_id, -1) = coalesce(?, -1)
               AND coalesce(rel_path, '') = coalesce(?, '') AND state = 'queued'`,
        )
        .run(priority, kind, subject.photoId ?? null, subject.rootId ?? null, subject.relPath ?? null)
    }
  }

  /** The kind the runner should work on next among `allowed`, or null. */
  /**
   * Queue, at backlog priority, the embeddings and captions these models have
   * not made yet (after a pack change, or for photos indexed without ML): an
   * embedding for every thumbnailed photo with a present file, a caption for
   * every embedded photo that has none, or only another model's unreviewed one.
   */
  enqueueModelBacklog(embeddingModelId: string, captionModelId: string): void {
    const t = this.now()
    this.db
      .stmt(
        `INSERT OR IGNORE INTO jobs (kind, photo_id, priority, created_at, updated_at)
      SELECT 'embed', ph.id, ?, ?, ? FROM photos ph WHERE ph.status IN ('thumbnailed', 'embedded', 'captioned')
      AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.photo_id = ph.id AND e.model_id = ?)
      AND EXISTS (SELECT 1 FROM paths p WHERE p.photo_id = ph.id AND p.present = 1)`,
      )
      .run(Priority.backlog, t, t, embeddingModelId)
    this.db
      .stmt(
        `INSERT OR IGNORE INTO jobs (kind, photo_id, priority, created_at, updated_at)
      SELECT 'caption', ph.id, ?, ?, ? FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id
      WHERE ph.status IN ('embedded', 'captioned')
      AND EXISTS (SELECT 1 FROM embeddings e WHERE e.photo_id = ph.id AND e.model_id = ?)
      AND (c.id IS NULL OR (c.provenance = 'auto' AND c.reviewed_at IS NULL AND c.model_id IS NOT ?))`,
      )
      .run(Priority.backlog, t, t, embeddingModelId, captionModelId)
  }

  /** Forget the failed jobs of a photo (by id, or by any of its files), so it can be queued again. */
  dropFailedOf(photoId: number): void {
    this.db
      .stmt(`DELETE FROM jobs WHERE state = 'failed' AND (photo_id = ? OR (root_id, rel_path) IN (SELECT root_id, rel_path FROM paths WHERE photo_id = ?))`)
      .run(photoId, photoId)
  }

  nextKind(allowed: readonly JobKind[]): { kind: JobKind; wakeAt: number | null } | null {
    if (allowed.length === 0) return null
    const t = this.now()
    const marks = allowed.map(() => '?').join(',')
    const order = stageOrder.filter((k) => allowed.includes(k))
    const caseExpr = `CASE kind ${order.map((k, i) => `WHEN '${k}' THEN ${i}`).join(' ')} END`
    const row = this.db
      .stmt(`SELECT kind FROM jobs WHERE state = 'queued' AND not_before <= ? AND kind IN (${marks}) ORDER BY priority, ${caseExpr}, id LIMIT 1`)
      .get(t, ...allowed) as { kind: JobKind } | undefined
    if (row) return { kind: row.kind, wakeAt: null }
    const later = this.db.stmt(`SELECT min(not_before) AS t FROM jobs WHERE state = 'queued' AND kind IN (${marks})`).get(...allowed) as { t: number | null }
    return later.t === null ? null : { kind: order[0]!, wakeAt: later.t }
  }

  /** Mark up to `limit` queued jobs of `kind` running and return them. */
  claim(kind: JobKind, limit: number): JobRow[] {
    const t = this.now()
    return this.db.tx(() => {
      const rows = this.db
        .stmt(
          `SELECT id, kind, root_id, rel_path, photo_id, priority, attempts, max_attempts FROM jobs
               WHERE state = 'queued' AND kind = ? AND not_before <= ? ORDER BY priority, id LIMIT ?`,
        )
        .all(kind, t, limit) as JobRow[]
      const upd = this.db.stmt(`UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?`)
      for (const r of rows) {
        upd.run(t, r.id)
        r.attempts += 1
      }
      return rows
    })
  }

  /** Call inside the transaction that stores the job's effect. */
  complete(id: number): void {
    this.db.stmt(`DELETE FROM jobs WHERE id = ?`).run(id)
  }

  /**
   * Record a failure. Permanent errors (a corrupt file) fail at once; others are
   * retried with a growing delay until max_attempts. Returns true when final.
   */
  fail(job: JobRow, error: string, permanent: boolean): boolean {
    const t = this.now()
    const final = permanent || job.attempts >= job.max_attempts
    if (final) {
      this.db.stmt(`UPDATE jobs SET state = 'failed', error = ?, updated_at = ? WHERE id = ?`).run(error, t, job.id)
    } else {
      const delay = 500 * 2 ** (job.attempts - 1)
      this.db.stmt(`UPDATE jobs SET state = 'queued', error = ?, not_before = ?, updated_at = ? WHERE id = ?`).run(error, t + delay, t, job.id)
    }
    return final
  }

  /** Put claimed jobs back without counting the attempt (cancelled or shutting down). */
  release(ids: readonly number[]): void {
    const t = this.now()
    const st = this.db.stmt(`UPDATE jobs SET state = 'queued', attempts = max(0, attempts - 1), updated_at = ? WHERE id = ? AND state = 'running'`)
    this.db.tx(() => {
      for (const id of ids) st.run(t, id)
    })
  }

  /** Forget claimed jobs (a cancelled batch): they are not run again. */
  drop(ids: readonly number[]): void {
    const st = this.db.stmt(`DELETE FROM jobs WHERE id = ? AND state = 'running'`)
    this.db.tx(() => {
      for (const id of ids) st.run(id)
    })
  }

  /** Every running job back to the queue, attempt not counted (no batch is in flight). */
  releaseAllRunning(): number {
    return this.db.stmt(`UPDATE jobs SET state = 'queued', attempts = max(0, attempts - 1), updated_at = ? WHERE state = 'running'`).run(this.now()).changes
  }

  /** After a crash: jobs a dead process left running go back to the queue. */
  recover(): number {
    const t = this.now()
    return this.db.tx(() => {
      this.db
        .stmt(
          `UPDATE jobs SET state = 'failed', error = coalesce(error, 'interrupted ' || attempts || ' times (the process stopped while working on it)'), updated_at = ?
               WHERE state = 'running' AND attempts >= max_attempts`,
        )
        .run(t)
      return this.db.stmt(`UPDATE jobs SET state = 'queued', updated_at = ? WHERE state = 'running'`).run(t).changes
    })
  }

  /** Drop queued jobs (all, or of some kinds). Returns how many. */
  cancel(kinds?: readonly JobKind[]): number {
    if (!kinds) return this.db.stmt(`DELETE FROM jobs WHERE state = 'queued'`).run().changes
    let n = 0
    this.db.tx(() => {
      for (const k of kinds) n += this.db.stmt(`DELETE FROM jobs WHERE state = 'queued' AND kind = ?`).run(k).changes
    })
    return n
  }

  counts(): Record<JobKind, { queued: number; running: number; failed: number }> {
    const out = Object.fromEntries(stageOrder.map((k) => [k, { queued: 0, running: 0, failed: 0 }])) as Record<
      JobKind,
      { queued: number; running: number; failed: number }
    >
    const rows = this.db.stmt(`SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state`).all() as { kind: JobKind; state: string; n: number }[]
    for (const r of rows) {
      const c = out[r.kind]
      if (r.state === 'queued' || r.state === 'running' || r.state === 'failed') c[r.state] += r.n
    }
    return out
  }

  isRunning(id: number): boolean {
    return this.db.stmt(`SELECT 1 FROM jobs WHERE id = ? AND state = 'running'`).get(id) !== undefined
  }

  /**
   * Photos with work still to do: one for each pending ingest (a file not yet
   * read) and one for each photo with a later stage pending. A stage enqueues
   * the next in the transaction that completes it, so a photo stays counted
   * from its first job to its last: the count only falls as photos finish.
   */
  pendingPhotos(): number {
    return (
      this.db
        .stmt(
          `SELECT count(*) AS n FROM (SELECT DISTINCT CASE WHEN photo_id IS NOT NULL THEN 'p' || photo_id ELSE 'f' || root_id || '/' || rel_path END
               FROM jobs WHERE state IN ('queued', 'running') AND kind != 'scan')`,
        )
        .get() as { n: number }
    ).n
  }

  pendingCount(): number {
    return (this.db.stmt(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running')`).get() as { n: number }).n
  }
}
