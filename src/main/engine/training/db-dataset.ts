// The training set from the library database: each photo whose CURRENT caption
// is a `user` caption, paired with its stored CLIP image embedding (no image is
// decoded or re-encoded). Read-only: training never changes caption data.
import Database from 'better-sqlite3'
import type { TrainItem } from '../../ml/training/dataset.ts'

export interface DbCaption {
  photoId: number
  text: string
  embedding: Float32Array
  modelId: string
  /** 'user': the person wrote or corrected it; 'reviewed': an automatic caption they accepted. */
  kind: 'user' | 'reviewed'
}

/**
 * [Note: which captions teach] A photo teaches its CURRENT caption when a
 * person stands behind it: one they wrote or corrected (provenance 'user'),
 * or an automatic one they reviewed and accepted (captions.reviewed_at, the
 * review flow's mark). Never a caption imported from the file's own metadata
 * (provenance 'user', source 'file'): those are camera and agency strings
 * ("OLYMPUS DIGITAL CAMERA"), not the person's writing. Unreviewed automatic
 * captions never teach: the model would learn from itself.
 */
function teachingWhere(db: Database.Database): string {
  const cols = new Set((db.prepare(`PRAGMA table_info(captions)`).all() as { name: string }[]).map((c) => c.name))
  const reviewed = cols.has('reviewed_at') ? ` OR (c.provenance = 'auto' AND c.reviewed_at IS NOT NULL)` : ''
  return `((c.provenance = 'user' AND (c.source IS NULL OR c.source <> 'file'))${reviewed})`
}

/** How many current captions are set aside as imported camera/agency strings (shown next to the count). */
export function importedCaptionCount(db: Database.Database): number {
  return (
    db.prepare(`SELECT count(*) AS n FROM photos p JOIN captions c ON c.id = p.caption_id WHERE c.provenance = 'user' AND c.source = 'file'`).get() as {
      n: number
    }
  ).n
}

/** Photos whose current caption teaches (see [Note: which captions teach]) and that have an embedding (of `modelId`, or of the model most of them have). */
export function readUserCaptions(db: Database.Database, modelId?: string): DbCaption[] {
  const rows = db
    .prepare(
      `SELECT p.id AS photoId, c.text AS text, c.provenance AS provenance, e.vector AS vector, e.dim AS dim, e.model_id AS modelId
         FROM photos p
         JOIN captions c ON c.id = p.caption_id AND ${teachingWhere(db)}
         JOIN embeddings e ON e.photo_id = p.id
        ORDER BY p.id, e.model_id`,
    )
    .all() as { photoId: number; text: string; provenance: string; vector: Buffer; dim: number; modelId: string }[]
  let model = modelId
  if (model === undefined) {
    const counts = new Map<string, number>()
    for (const r of rows) counts.set(r.modelId, (counts.get(r.modelId) ?? 0) + 1)
    model = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0]
  }
  const out: DbCaption[] = []
  for (const r of rows) {
    if (r.modelId !== model || !r.text.trim()) continue
    if (r.vector.byteLength !== r.dim * 4)
      throw new Error(`embedding of photo ${r.photoId} (${r.modelId}) has ${r.vector.byteLength} bytes, expected ${r.dim * 4}`)
    const emb = new Float32Array(r.dim)
    for (let i = 0; i < r.dim; i++) emb[i] = r.vector.readFloatLE(i * 4)
    out.push({ photoId: r.photoId, text: r.text, embedding: emb, modelId: r.modelId, kind: r.provenance === 'user' ? 'user' : 'reviewed' })
  }
  return out
}

/** For `photocap train --db FILE`. */
export function readDbTrainingItems(file: string, tok: { encode(text: string): number[] }): TrainItem[] {
  let db: Database.Database
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
  } catch (e) {
    throw new Error(`${file}: cannot open the library database (${e instanceof Error ? e.message : String(e)})`)
  }
  try {
    const caps = readUserCaptions(db)
    if (!caps.length)
      throw new Error(
        `${file}: no photo has both a caption of yours (written, corrected or reviewed) and a stored embedding; write captions first (photocap caption set)`,
      )
    return caps.map((c) => ({ embedding: c.embedding, tokens: tok.encode(c.text) }))
  } finally {
    db.close()
  }
}
