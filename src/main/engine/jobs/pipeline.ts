// What each job kind does. Every step does its I/O first (hashing, decoding,
// ML) and then writes its effect and the job's completion in ONE transaction
// ([Note: durable jobs] in queue.ts), so a crash at any point either keeps the
// whole step or none of it.
import path from 'node:path'
import type { LibraryDb } from '../db/database.ts'
import type { DecodeOptions, MlInfo, MlService } from '../../ml/service.ts'
import type { Emitter } from '../events.ts'
import type { EngineEvents, JobFailure } from '../types.ts'
import { compileExclusions } from '../library/files.ts'
import { fastIdentity, fullHash, type FastIdentity } from '../library/identity.ts'
import { ImageRejectedError, makePreview, makeThumbnail, needsStandIn, probeImage, thumbnailPath, type ImageProbe } from '../library/images.ts'
import { adoptRawSiblings, attachRaw, pairedJpegPhoto } from '../library/raw-pairs.ts'
import { readHeifTransform } from '../library/heif-transform.ts'
import { fillerReason } from '../library/filler.ts'
import { emptyMetadata, readMetadata, type PhotoMetadata } from '../library/metadata.ts'
import { findSidecar } from '../library/sidecars.ts'
import { describeFsError, nodeWalkFs, walkRoot, type ScanProblem, type WalkFs } from '../library/scanner.ts'
import type { LibraryStore } from '../library/store.ts'
import { Priority, type JobQueue, type JobRow } from './queue.ts'

export interface PipelineDeps {
  db: LibraryDb
  store: LibraryStore
  queue: JobQueue
  events: Emitter<EngineEvents>
  /** Where thumbnails are cached (content-addressed). */
  cacheDir: string
  /** The ML service and its info, or null when running without ML. */
  ml: () => { service: MlService; info: MlInfo } | null
  decoding: () => DecodeOptions
  walkFs?: WalkFs
  /** Test seam: how a file's quick identity is read (default: identity.ts). */
  identify?: (file: string) => Promise<FastIdentity>
  now?: () => number
}

// caption: one claim fills the ML service's best greedy batch (defaultBatchSizes.greedy, measured
// in bench/caption.bench.ts); beam search splits it into its own smaller batches.
export const batchSizes = { scan: 1, ingest: 32, thumbnail: 16, embed: 16, caption: 32 } as const

export class Pipeline {
  private readonly now: () => number
  constructor(private readonly d: PipelineDeps) {
    this.now = d.now ?? Date.now
  }

  // ---- scan: walk a root, queue ingest jobs for new or changed files, mark vanished ones missing

  async scan(jobs: JobRow[], signal: AbortSignal): Promise<void> {
    for (const job of jobs) await this.scanOne(job, signal)
  }

  private async scanOne(job: JobRow, signal: AbortSignal): Promise<void> {
    const { store, queue, db } = this.d
    const root = job.root_id === null ? null : store.getRoot(job.root_id)
    if (!root) return db.tx(() => queue.complete(job.id))
    const problems: ScanProblem[] = []
    try {
      const st = await (this.d.walkFs ?? nodeWalkFs).stat(root.path)
      if (!st.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' })
    } catch (error) {
      // The whole root is gone (unmounted disk, deleted folder): mark it
      // unavailable but do NOT mark its photos missing one by one; they come
      // back when the folder does.
      db.tx(() => {
        store.setRootAvailable(root.id, false)
        store.setRootScanned(root.id, [{ path: root.path, kind: 'root', error: `library folder unavailable: ${describeFsError(error)}` }])
        store.setRootAvailable(root.id, false)
        queue.complete(job.id)
      })
      return
    }
    const known = store.rootPaths(root.id)
    const seen = new Set<string>()
    const excluded = compileExclusions(root.exclude)
    let pending: string[] = []
    const flush = (): void => {
      const rels = pending
      pending = []
      db.tx(() => {
        for (const rel of rels) queue.enqueue('ingest', { rootId: root.id, relPath: rel }, Priority.fresh)
      })
    }
    for await (const entry of walkRoot(root.path, excluded, problems, this.d.walkFs, signal)) {
      seen.add(entry.rel)
      const k = known.get(entry.rel)
      // A changed sidecar is read again with its photo (library/sidecars.ts).
      if (k && k.present && !k.failed && k.size === entry.size && k.mtime === entry.mtimeMs && k.sidecarMtime === (entry.sidecarMtimeMs ?? null)) continue
      pending.push(entry.rel)
      if (pending.length >= 500) flush()
    }
    flush()
    // Files we knew that this walk did not see are gone, except under folders we could not read.
    const unreadable = problems.map((p) => path.relative(root.path, p.path).split(path.sep).join('/'))
    const vanished = [...known]
      .filter(([rel, k]) => k.present && !seen.has(rel) && !unreadable.some((u) => u === '' || rel === u || rel.startsWith(u + '/')))
      .map(([rel]) => rel)
    let nowMissing: number[] = []
    db.tx(() => {
      nowMissing = store.markMissing(root.id, vanished)
      store.setRootScanned(root.id, problems)
      queue.complete(job.id)
    })
    if (nowMissing.length) this.d.events.emit('photos.missing', { ids: nowMissing })
  }

  // ---- ingest: identity, header probe, EXIF; link the path to its photo

  async ingest(jobs: JobRow[], signal: AbortSignal): Promise<void> {
    await mapLimit(jobs, 8, (job) => this.ingestOne(job, signal))
  }

  private async ingestOne(job: JobRow, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    const { store, queue, db } = this.d
    const root = job.root_id === null ? null : store.getRoot(job.root_id)
    if (!root || job.rel_path === null) return db.tx(() => queue.complete(job.id))
    const rel = job.rel_path
    const abs = path.join(root.path, ...rel.split('/'))
    let id: FastIdentity
    try {
      id = await (this.d.identify ?? fastIdentity)(abs)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        let gone: number[] = []
        db.tx(() => {
          gone = store.markMissing(root.id, [rel])
          queue.complete(job.id)
        })
        if (gone.length) this.d.events.emit('photos.missing', { ids: gone })
        return
      }
      const transient = (error as { transient?: boolean }).transient === true
      const message = transient ? (error as Error).message : `cannot read file: ${describeFsError(error)}`
      this.failJob(job, message, false, () => this.recordUnreadable(root.id, rel, message))
      return
    }
    // A RAW whose JPEG twin is known joins that photo ([Note: RAW+JPEG pairs]).
    const twin = pairedJpegPhoto(db, root.id, rel)
    if (twin !== null) {
      let emptied: number | null = null
      db.tx(() => {
        emptied = attachRaw(db, root.id, rel, twin, id.size, id.mtimeMs, this.now())
        queue.complete(job.id)
      })
      if (emptied !== null) this.d.events.emit('photos.removed', { ids: [emptied] })
      this.d.events.emit('photos.changed', { ids: [twin] })
      return
    }
    // Files with the same quick key are resolved one at a time: two copies
    // ingested side by side must not both become new photos.
    await this.keyLocks.run(`${id.size}:${id.fastHash}`, () => this.ingestIdentified(job, root.id, rel, abs, id, signal))
  }

  private readonly keyLocks = new KeyedLock()

  private async ingestIdentified(job: JobRow, rootId: number, rel: string, abs: string, id: FastIdentity, signal: AbortSignal): Promise<void> {
    const { store, queue, db } = this.d
    const root = { id: rootId }
    // Resolve identity: same quick key may still be different content.
    const match = await this.resolveIdentity(root.id, rel, abs, id)
    const sidecar = await findSidecar(abs)
    let probe: ImageProbe | null = null
    let rejected: string | null = null
    let meta: PhotoMetadata = emptyMetadata
    try {
      if (id.size === 0) throw new ImageRejectedError('empty file (0 bytes)')
      probe = await probeImage(abs)
      meta = await readMetadata(abs, { sidecar: sidecar?.path ?? null }).catch(() => emptyMetadata)
    } catch (error) {
      if (!(error instanceof ImageRejectedError)) throw error
      rejected = error.message
    }
    signal.throwIfAborted()
    const t = this.now()
    let outcome: { photoId: number; added: boolean; changed: boolean } = { photoId: 0, added: false, changed: false }
    let emptied: number[] = []
    let joined: number | null = null
    db.tx(() => {
      // Its JPEG twin may have been committed while this RAW was being read.
      const twin = rejected ? null : pairedJpegPhoto(db, root.id, rel)
      if (twin !== null) {
        const gone = attachRaw(db, root.id, rel, twin, id.size, id.mtimeMs, t)
        if (gone !== null) emptied = [gone]
        queue.complete(job.id)
        joined = twin
        return
      }
      const prev = store.pathRow(root.id, rel)
      let photoId: number
      let added = false
      let changed = false
      if (match.photoId !== null) {
        photoId = match.photoId
        if (match.fullHash) store.fillFullHash(photoId, match.fullHash)
        changed = prev?.photo_id !== photoId
      } else if (prev && !store.hasOtherPresentPath(prev.photo_id, prev.id)) {
        // The file at a known path changed: same photo, new content. Keep the
        // user's captions; drop what was derived from the old bytes.
        photoId = prev.photo_id
        store.replaceContent(photoId, id.size, id.fastHash, match.fullHash, t)
        changed = true
      } else {
        photoId = store.insertPhoto(id.size, id.fastHash, match.fullHash, t)
        added = true
      }
      if (prev) {
        store.relinkPath(prev.id, photoId, id.size, id.mtimeMs, t)
        if (prev.photo_id !== photoId) store.deletePhotoIfPathless(prev.photo_id)
      } else {
        store.insertPath(photoId, root.id, rel, id.size, id.mtimeMs, t)
      }
      if (probe) store.setImageFacts(photoId, probe, meta, t)
      store.setSidecarMtime(root.id, rel, sidecar?.mtimeMs ?? null)
      if (rejected) {
        store.setStatus(photoId, 'failed', rejected, 'ingest')
      } else {
        // An ingest failure is over now; a later stage's failure stays until that stage is retried.
        store.clearIngestFailure(photoId)
        emptied = adoptRawSiblings(db, root.id, rel, photoId)
        this.dropFillerCaptions(photoId, meta)
        if (meta.description) this.importDescription(photoId, meta.description)
        if (!store.thumbnailCurrent(photoId)) queue.enqueue('thumbnail', { photoId }, job.priority)
      }
      queue.complete(job.id)
      outcome = { photoId, added, changed }
    })
    if (rejected) this.emitFailure({ photoId: outcome.photoId, path: abs, kind: 'ingest', error: rejected, attempts: job.attempts })
    if (emptied.length) this.d.events.emit('photos.removed', { ids: emptied })
    if (joined !== null) return void this.d.events.emit('photos.changed', { ids: [joined] })
    if (outcome.added) this.d.events.emit('photos.added', { ids: [outcome.photoId] })
    else if (outcome.changed) this.d.events.emit('photos.changed', { ids: [outcome.photoId] })
  }

  /** A description already in the file becomes a `user` caption, once. */
  private importDescription(photoId: number, text: string): void {
    const { store } = this.d
    if (store.hasFileCaption(photoId, text)) return
    // A description changed in the file or its sidecar (edited in another tool) replaces the one
    // imported before; a caption the user wrote or edited here is never replaced.
    const current = store.currentCaptionOrigin(photoId)
    const id = store.addCaption(photoId, text, 'user', { source: 'file', makeCurrent: current?.provenance !== 'user' || current.source === 'file' })
    this.pendingCaptionEvents.push({ photoId, captionId: id })
  }

  private pendingCaptionEvents: { photoId: number; captionId: number }[] = []

  /**
   * Captions imported from the file by an earlier version that the filler
   * rules now recognise ([Note: filler descriptions]) are not the user's: drop
   * them, so the automatic caption is made again. The text stays visible as the
   * embedded description.
   */
  private dropFillerCaptions(photoId: number, meta: PhotoMetadata): void {
    const { store } = this.d
    const context = { make: meta.cameraMake, model: meta.cameraModel }
    const filler = store.fileCaptions(photoId).filter((r) => r.text !== meta.description && fillerReason(r.text, context) !== null)
    if (filler.length === 0) return
    // No caption left: the photo is back to 'embedded' and the caption stage runs again.
    if (
      store.deleteCaptions(
        photoId,
        filler.map((r) => r.id),
      ) &&
      this.d.ml()
    )
      this.d.queue.enqueue('caption', { photoId }, Priority.fresh)
  }

  private async resolveIdentity(rootId: number, rel: string, abs: string, id: FastIdentity): Promise<{ photoId: number | null; fullHash: string | null }> {
    const { store } = this.d
    const candidates = store.photosWithQuickKey(id.size, id.fastHash)
    if (candidates.length === 0) return { photoId: null, fullHash: null }
    const prev = store.pathRow(rootId, rel)
    // The same file at the same path, unchanged content.
    if (candidates.length === 1 && prev?.photo_id === candidates[0]!.id) return { photoId: prev.photo_id, fullHash: null }
    const mine = await fullHash(abs)
    let assumed: number | null = null
    for (const c of candidates) {
      let theirs = c.full_hash
      if (theirs === null) {
        const other = store.otherPresentCopy(c.id, rootId, rel)
        if (!other) {
          // No other copy to compare with (it moved here, or its disk is away):
          // the quick key is our best evidence.
          assumed ??= c.id
          continue
        }
        try {
          theirs = await fullHash(path.join(other.root, ...other.rel.split('/')))
          store.setFullHash(c.id, theirs)
        } catch {
          assumed ??= c.id
          continue
        }
      }
      if (theirs === mine) return { photoId: c.id, fullHash: mine }
    }
    return { photoId: assumed, fullHash: mine }
  }

  /** A file we cannot read at all still gets a row, so its error is listed. */
  private recordUnreadable(rootId: number, rel: string, message: string): number {
    const { store } = this.d
    const prev = store.pathRow(rootId, rel)
    if (prev) {
      store.setStatus(prev.photo_id, 'failed', message, 'ingest')
      return prev.photo_id
    }
    return store.insertUnreadable(rootId, rel, message, this.now())
  }

  // ---- thumbnail

  async thumbnail(jobs: JobRow[], signal: AbortSignal): Promise<void> {
    // [Note: sharp threads] one libvips thread per image (images.ts) and several
    // images at once: small images are dominated by per-call overhead, large ones
    // scale as well across images as within one.
    await mapLimit(jobs, 4, (job) => this.thumbnailOne(job, signal))
  }

  private async thumbnailOne(job: JobRow, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    const { db, store, queue } = this.d
    const photoId = job.photo_id!
    const key = store.contentKey(photoId)
    const abs = store.presentPath(photoId)
    if (!key || !abs) return db.tx(() => queue.complete(job.id))
    let note: string | null = null
    try {
      note = (await makeThumbnail(abs, this.d.cacheDir, key)).note
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return db.tx(() => queue.complete(job.id))
      const permanent = error instanceof ImageRejectedError
      const message = permanent ? (error as Error).message : `cannot make thumbnail: ${describeFsError(error)}`
      this.failJob(job, message, permanent, () => store.setStatus(photoId, 'failed', message, 'thumbnail'), abs)
      return
    }
    signal.throwIfAborted()
    db.tx(() => {
      store.setThumbnail(photoId, key, note)
      store.advance(photoId, 'thumbnailed')
      const ml = this.d.ml()
      if (ml && !store.hasEmbedding(photoId, ml.info.embeddingModelId)) {
        queue.enqueue('embed', { photoId }, job.priority)
      } else if (ml) queue.enqueue('caption', { photoId }, job.priority)
      queue.complete(job.id)
    })
    this.d.events.emit('photos.changed', { ids: [photoId] })
  }

  // ---- embed (batched through the ML service)

  async embed(jobs: JobRow[], signal: AbortSignal): Promise<void> {
    const { db, store, queue } = this.d
    const ml = this.d.ml()
    if (!ml) return queue.release(jobs.map((j) => j.id))
    const work: { job: JobRow; abs: string }[] = []
    db.tx(() => {
      for (const job of jobs) {
        const abs = store.presentPath(job.photo_id!)
        if (abs) work.push({ job, abs })
        else queue.complete(job.id)
      }
    })
    if (work.length === 0) return
    let results: Awaited<ReturnType<MlService['embedImages']>>
    try {
      // RAW and BMP: the ML decoder reads the JPEG preview made from them (images.ts).
      // So do files the library decoded only leniently (a decode note): the ML decoder is strict.
      // And AVIF with irot/imir, which the ML decoder (sharp) would see on its side (library/heif-transform.ts).
      const inputs = await Promise.all(
        work.map(async (w) =>
          needsStandIn(w.abs) || store.hasDecodeNote(w.job.photo_id!) || (await turnedAvif(w.abs)) ? this.standIn(w.job.photo_id!, w.abs) : w.abs,
        ),
      )
      results = await ml.service.embedImages(inputs, signal)
    } catch (error) {
      if (signal.aborted) throw error
      const message = `embedding failed: ${error instanceof Error ? error.message : String(error)}`
      for (const w of work) this.failJob(w.job, message, false, () => store.setStatus(w.job.photo_id!, 'failed', message, 'embed'), w.abs)
      return
    }
    const failures: JobFailure[] = []
    db.tx(() => {
      work.forEach((w, i) => {
        const r = results[i]
        const photoId = w.job.photo_id!
        if (r?.ok) {
          store.putEmbedding(photoId, ml.info.embeddingModelId, r.embedding)
          store.advance(photoId, 'embedded')
          queue.enqueue('caption', { photoId }, w.job.priority)
          queue.complete(w.job.id)
        } else {
          const message = `cannot embed image: ${r ? r.error : 'no result from the ML service'}`
          store.setStatus(photoId, 'failed', message, 'embed')
          queue.fail(w.job, message, true)
          failures.push({ photoId, path: w.abs, kind: 'embed', error: message, attempts: w.job.attempts })
        }
      })
    })
    for (const f of failures) this.emitFailure(f)
    this.d.events.emit('photos.changed', { ids: work.map((w) => w.job.photo_id!) })
  }

  /** The 960 px preview of a file the ML decoder cannot read itself; the file when none can be made (its error then comes from the ML decoder). */
  private async standIn(photoId: number, abs: string): Promise<string> {
    const key = this.d.store.contentKey(photoId)
    if (!key) return abs
    try {
      await makePreview(abs, this.d.cacheDir, key)
      return thumbnailPath(this.d.cacheDir, key, 'large')
    } catch {
      return abs
    }
  }

  // ---- caption (batched; from stored embeddings, no image decoded again)

  async caption(jobs: JobRow[], signal: AbortSignal): Promise<void> {
    const { db, store, queue } = this.d
    const ml = this.d.ml()
    if (!ml) return queue.release(jobs.map((j) => j.id))
    const work: { job: JobRow; embedding: Float32Array }[] = []
    db.tx(() => {
      for (const job of jobs) {
        const e = store.getEmbedding(job.photo_id!, ml.info.embeddingModelId)
        if (e) work.push({ job, embedding: e })
        else {
          // Embedded by another model: embed again first (the caption follows).
          if (store.presentPath(job.photo_id!)) queue.enqueue('embed', { photoId: job.photo_id! }, job.priority)
          queue.complete(job.id)
        }
      }
    })
    if (work.length === 0) return
    const decoding = this.d.decoding()
    let results: Awaited<ReturnType<MlService['captionEmbeddings']>>
    try {
      results = await ml.service.captionEmbeddings(
        work.map((w) => w.embedding),
        decoding,
        signal,
      )
    } catch (error) {
      if (signal.aborted) throw error
      const message = `captioning failed: ${error instanceof Error ? error.message : String(error)}`
      for (const w of work) this.failJob(w.job, message, false, () => store.setStatus(w.job.photo_id!, 'failed', message, 'caption'))
      return
    }
    const changed: { photoId: number; captionId: number }[] = []
    db.tx(() => {
      work.forEach((w, i) => {
        const photoId = w.job.photo_id!
        const r = results[i]
        if (!r) return
        // [Note: user captions win] an automatic caption never replaces a
        // user's, nor one a person reviewed and accepted; it is kept in the
        // history so it can be looked at or restored.
        const current = store.photoKey(photoId)
        const makeCurrent = current?.captionProvenance !== 'user' && !current?.captionReviewed
        const id = store.addCaption(photoId, r.caption, 'auto', { modelId: ml.info.captionModelId, decoding, makeCurrent })
        store.advance(photoId, 'captioned')
        queue.complete(w.job.id)
        if (makeCurrent) changed.push({ photoId, captionId: id })
      })
    })
    for (const c of changed) this.d.events.emit('captions.changed', { photoId: c.photoId, caption: store.caption(c.captionId) })
  }

  /** Emit events for captions imported from files during the last ingest batch. */
  flushEvents(): void {
    const pending = this.pendingCaptionEvents
    this.pendingCaptionEvents = []
    for (const p of pending) this.d.events.emit('captions.changed', { photoId: p.photoId, caption: this.d.store.caption(p.captionId) })
  }

  private failJob(job: JobRow, message: string, permanent: boolean, recordOnPhoto: () => unknown, abs: string | null = null): void {
    let final = false
    let photoId: number | null = job.photo_id
    this.d.db.tx(() => {
      final = this.d.queue.fail(job, message, permanent)
      if (final) {
        const r = recordOnPhoto()
        if (typeof r === 'number') photoId = r
      }
    })
    if (final) this.emitFailure({ photoId, path: abs ?? job.rel_path, kind: job.kind, error: message, attempts: job.attempts })
  }

  private emitFailure(f: JobFailure): void {
    this.d.events.emit('jobs.failed', f)
  }
}

/** Runs async sections one at a time per key. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run(key: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key) ?? Promise.resolve()
    const mine = prev.then(fn, fn)
    const tail = mine.catch(() => undefined)
    this.tails.set(key, tail)
    try {
      await mine
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}

/** Run `fn` over items with at most `limit` in flight; the first error is rethrown after all settle. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let firstError: unknown = null
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!
      try {
        await fn(item)
      } catch (error) {
        firstError ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (firstError !== null) throw firstError
}

/** An AVIF whose primary image is rotated or mirrored by irot/imir. */
async function turnedAvif(file: string): Promise<boolean> {
  if (!/\.avif$/i.test(file)) return false
  const t = await readHeifTransform(file).catch(() => null)
  return t !== null && (t.rotateCw !== 0 || t.mirror !== null)
}
