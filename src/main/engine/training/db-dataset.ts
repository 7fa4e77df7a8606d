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
}

/** Photos with a current user caption and an embedding (of `modelId`, or of the model most of them have). */
export function readUserCaptions(db: Database.Database, modelId?: string): DbCaption[] {
  const rows = db
    .prepare(
      `SELECT p.id AS photoId, c.text AS text, e.vector AS vector, e.dim AS dim, e.model_id AS modelId
         FROM photos p
         JOIN captions c ON c.id = p.caption_id AND c.provenance = 'user'
         JOIN embeddings e ON e.photo_id = p.id
        ORDER BY p.id, e.model_id`,
    )
    .all() as { photoId: number; text: string; vector: Buffer; dim: number; modelId: string }[]
  let model = modelId
  if (model === undefined) {
    const counts = new Map<string, number>()
    for (const r of rows) counts.set(r.modelId, (counts.get(r.modelId) ?? 0) + 1)
    model = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0]
  }
  const out: DbCaption[] = []
  for (const r of rows) {
    if (r.modelId !== model || !r.text.trim()) continue
    if (r.vector.byteLength !== r.dim * 4) throw new Error(`embedding of photo ${r.photoId} (${r.modelId}) has ${r.vector.byteLength} bytes, expected ${r.dim * 4}`)
    const emb = new Float32Array(r.dim)
    for (let i = 0; i < r.dim; i++) emb[i] = r.vector.readFloatLE(i * 4)
    out.push({ photoId: r.photoId, text: r.text, embedding: emb, modelId: r.modelId })
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
    if (!caps.length) throw new Error(`${file}: no photo has both a user caption and a stored embedding; write captions first (photocap caption set)`)
    return caps.map((c) => ({ embedding: c.embedding, tokens: tok.encode(c.text) }))
  } finally {
    db.close()
  }
}
