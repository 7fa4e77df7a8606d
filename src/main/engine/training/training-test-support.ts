// Test support for library training: a small library of photos with stored
// embeddings and `user` captions (four separable classes). Not a test file.
import type { LibraryDb } from '../db/database.ts'
import { mulberry32 } from '../../ml/training/dataset.ts'

export const CAPTIONS = ['a red circle.', 'a blue square.', 'a green triangle.', 'a yellow star.']

/** `n` photos with a `dim`-sized embedding, an automatic caption and (every `userEvery`th) a user caption as current. */
export function seedLibrary(db: LibraryDb, n: number, dim: number, opts: { userEvery?: number } = {}): void {
  const rnd = mulberry32(3)
  const centres = CAPTIONS.map(() => Array.from({ length: dim }, () => rnd() * 4 - 2))
  const now = Date.now()
  for (let i = 0; i < n; i++) {
    const cls = i % CAPTIONS.length
    const photoId = Number(db.stmt(`INSERT INTO photos (status, added_at, updated_at) VALUES ('captioned', ?, ?)`).run(now, now).lastInsertRowid)
    const vec = Buffer.alloc(dim * 4)
    for (let k = 0; k < dim; k++) vec.writeFloatLE(centres[cls]![k]! + (rnd() - 0.5) * 0.2, k * 4)
    db.stmt(`INSERT INTO embeddings (photo_id, model_id, dim, vector, created_at) VALUES (?, 'clip-test', ?, ?, ?)`).run(photoId, dim, vec, now)
    const auto = Number(
      db.stmt(`INSERT INTO captions (photo_id, text, provenance, model_id, created_at) VALUES (?, 'something random', 'auto', 'm0', ?)`).run(photoId, now)
        .lastInsertRowid,
    )
    let current = auto
    if (i % (opts.userEvery ?? 1) === 0)
      current = Number(
        db.stmt(`INSERT INTO captions (photo_id, text, provenance, created_at) VALUES (?, ?, 'user', ?)`).run(photoId, CAPTIONS[cls], now + 1).lastInsertRowid,
      )
    db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(current, photoId)
  }
}

export function captionsSnapshot(db: LibraryDb): unknown[] {
  return db.stmt(`SELECT id, photo_id, text, provenance FROM captions ORDER BY id`).all()
}
