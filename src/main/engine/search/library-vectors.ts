// The vector index (vector-index.ts) kept in sync with the `embeddings` table.
//
// [Note: vector index sync]
// Triggers (migration 0021) append every embedding insert, update and delete to
// search_embedding_log. Before answering, `sync()` applies the entries after the
// last one it saw: for each photo that changed it reads the photo's current
// vector for the active model and upserts or removes it. That is idempotent and
// order-free, works for writes from any process, and costs nothing when nothing
// changed. A different active model id rebuilds the index from scratch, so
// vectors of two models never meet; so does falling behind a pruned log.
import type { LibraryDb } from '../db/database.ts'
import { VectorIndex, type VectorEncoding } from './vector-index.ts'

/** Entries kept in the log behind the newest, for other processes' indexes. */
const LOG_TAIL = 10_000

export function blobToVector(blob: Buffer): Float32Array {
  // copy: a Buffer from SQLite may sit at an offset that is not 4-aligned
  const out = new Float32Array(blob.byteLength >>> 2)
  new Uint8Array(out.buffer).set(blob.subarray(0, out.length * 4))
  return out
}

export interface LibraryVectorsOptions {
  /** 'auto' (default): float32 up to AUTO_INT8_ABOVE vectors, int8 with exact re-rank above. */
  encoding?: VectorEncoding | 'auto'
  rerankFactor?: number
  /** Override AUTO_INT8_ABOVE (tests). */
  int8Above?: number
  /** The handle that trims the embedding log when `db` is read-only (default `db`; none: the log is left to a writer). */
  writer?: LibraryDb
}

/**
 * Above this many vectors 'auto' stores int8 (a quarter of the memory, and the
 * scan is several times faster); its re-ranked recall@10 was 1.0 at 10k-1M in
 * bench/search.bench.ts. Decided at each rebuild (start, model change).
 */
export const AUTO_INT8_ABOVE = 50_000

export class LibraryVectors {
  private index: VectorIndex | null = null
  private modelId: string | null = null
  private lastSeq = 0
  /** Rows skipped at the last rebuild or sync because their dimension did not match. */
  skipped: number[] = []

  constructor(
    private readonly db: LibraryDb,
    private readonly options: LibraryVectorsOptions = {},
  ) {}

  /** The model whose embeddings were written most recently (the default active one). */
  latestModelId(): string | null {
    const r = this.db.stmt(`SELECT model_id FROM embeddings ORDER BY created_at DESC, rowid DESC LIMIT 1`).get() as { model_id: string } | undefined
    return r?.model_id ?? null
  }

  exactVector(photoId: number, modelId: string): Float32Array | null {
    const r = this.db.stmt(`SELECT vector FROM embeddings WHERE photo_id = ? AND model_id = ?`).get(photoId, modelId) as { vector: Buffer } | undefined
    return r ? blobToVector(r.vector) : null
  }

  /** The up-to-date index of `modelId`'s embeddings, or null when there are none. */
  sync(modelId: string): VectorIndex | null {
    if (this.modelId !== modelId || !this.index) return this.rebuild(modelId)
    const minSeq = (this.db.stmt(`SELECT min(seq) AS s FROM search_embedding_log`).get() as { s: number | null }).s
    if (minSeq !== null && minSeq > this.lastSeq + 1 && this.lastSeq > 0) return this.rebuild(modelId)
    const rows = this.db.stmt(`SELECT seq, photo_id FROM search_embedding_log WHERE seq > ? AND model_id = ? ORDER BY seq`).all(this.lastSeq, modelId) as {
      seq: number
      photo_id: number
    }[]
    const maxSeq = this.maxSeq()
    const changed = new Set(rows.map((r) => r.photo_id))
    for (const id of changed) {
      const v = this.exactVector(id, modelId)
      if (v && v.length === this.index.dim) this.index.upsert(id, v)
      else {
        this.index.remove(id)
        if (v) this.skipped.push(id)
      }
    }
    this.lastSeq = maxSeq
    this.prune(maxSeq)
    return this.index
  }

  private maxSeq(): number {
    return (this.db.stmt(`SELECT coalesce(max(seq), 0) AS s FROM search_embedding_log`).get() as { s: number }).s
  }

  private prune(maxSeq: number): void {
    const writer = this.options.writer ?? this.db
    if (writer.raw.readonly) return
    writer.stmt(`DELETE FROM search_embedding_log WHERE seq <= ?`).run(maxSeq - LOG_TAIL)
  }

  private building: { modelId: string; done: Promise<VectorIndex | null> } | null = null

  /**
   * Like sync(), but a rebuild loads the vectors in batches and yields to the
   * event loop between them: at 1M photos a rebuild takes seconds, and the
   * process answering the interface must not stall meanwhile (word search keeps
   * answering). The index in use until then stays the previous one.
   */
  async syncAsync(modelId: string): Promise<VectorIndex | null> {
    if (this.modelId === modelId && this.index) return this.sync(modelId)
    if (!this.building || this.building.modelId !== modelId) {
      const steps = this.rebuildSteps(modelId)
      const done = (async () => {
        for (;;) {
          const step = steps.next()
          if (step.done) return step.value
          await new Promise<void>((resolve) => setImmediate(resolve))
        }
      })()
      this.building = { modelId, done }
      void done
        .finally(() => {
          if (this.building?.done === done) this.building = null
        })
        .catch(() => undefined)
    }
    await this.building.done
    return this.modelId === modelId && this.index ? this.sync(modelId) : null
  }

  private rebuild(modelId: string): VectorIndex | null {
    const steps = this.rebuildSteps(modelId)
    for (;;) {
      const step = steps.next()
      if (step.done) return step.value
    }
  }

  /** Load every vector of `modelId` into a new index, a batch per step; swapped in at the end. */
  private *rebuildSteps(modelId: string): Generator<void, VectorIndex | null> {
    // read the log position first: a write landing during the load is applied again next sync (idempotent)
    const startSeq = this.maxSeq()
    const skipped: number[] = []
    const commit = (index: VectorIndex | null) => {
      this.index = index
      this.modelId = modelId
      this.lastSeq = startSeq
      this.skipped = skipped
      return index
    }
    const count = this.db.stmt(`SELECT count(*) AS n, max(dim) AS dim FROM embeddings WHERE model_id = ?`).get(modelId) as { n: number; dim: number | null }
    if (count.n === 0 || count.dim === null) return commit(null)
    // the most common dimension wins; anything else is a damaged row
    const dim = (this.db.stmt(`SELECT dim FROM embeddings WHERE model_id = ? GROUP BY dim ORDER BY count(*) DESC LIMIT 1`).get(modelId) as { dim: number }).dim
    const index = new VectorIndex({
      modelId,
      dim,
      capacity: count.n,
      encoding:
        this.options.encoding === undefined || this.options.encoding === 'auto'
          ? count.n > (this.options.int8Above ?? AUTO_INT8_ABOVE)
            ? 'int8'
            : 'float32'
          : this.options.encoding,
      ...(this.options.rerankFactor ? { rerankFactor: this.options.rerankFactor } : {}),
      exact: (ids) => ids.map((id) => this.exactVector(id, modelId) ?? undefined),
    })
    const batch = this.db.stmt(`SELECT photo_id, vector FROM embeddings WHERE model_id = ? AND photo_id > ? ORDER BY photo_id LIMIT 4096`)
    let after = 0
    for (;;) {
      const rows = batch.all(modelId, after) as { photo_id: number; vector: Buffer }[]
      if (rows.length === 0) break
      for (const r of rows) {
        const v = blobToVector(r.vector)
        if (v.length === dim) index.upsert(r.photo_id, v)
        else skipped.push(r.photo_id)
      }
      after = rows[rows.length - 1]!.photo_id
      yield
    }
    return commit(index)
  }
}
