// Migrations 0020-0023 (search), each checked on a real database.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { loadMigrations, migrate } from '../db/migrate.ts'
import Database from 'better-sqlite3'

let dir: string
let db: LibraryDb
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-search-migrations-'))
  db = openDatabase(path.join(dir, 'library.db'))
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('search migrations', () => {
  it('0020 indexes photos that existed before it ran', () => {
    const raw = new Database(path.join(dir, 'old.db'))
    try {
      migrate(raw, loadMigrations(), { upTo: 19 })
      raw.prepare(`INSERT INTO roots (path, added_at) VALUES ('/p/Holidays', 0)`).run()
      raw.prepare(`INSERT INTO photos (added_at, updated_at) VALUES (0, 0)`).run()
      raw.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (1, 1, 'Crete/IMG_1.jpg', 0)`).run()
      migrate(raw, loadMigrations())
      expect(raw.prepare(`SELECT rowid, names FROM photo_fts`).all()).toEqual([{ rowid: 1, names: 'Holidays/Crete/IMG_1.jpg' }])
    } finally {
      raw.close()
    }
  })

  it('0022 ranks with column-weighted BM25', () => {
    expect(db.raw.prepare(`SELECT v FROM photo_fts_config WHERE k = 'rank'`).get()).toEqual({ v: 'bm25(1.0, 0.6, 0.4)' })
  })

  it('0023 keeps the embedding change log bounded', () => {
    const ins = db.raw.prepare(`INSERT INTO search_embedding_log (photo_id, model_id, op) VALUES (1, 'm', 'upsert')`)
    db.tx(() => {
      for (let i = 0; i < 120_000; i++) ins.run()
    })
    const r = db.raw.prepare(`SELECT count(*) AS n, max(seq) AS hi FROM search_embedding_log`).get() as { n: number; hi: number }
    expect(r.hi).toBe(120_000)
    expect(r.n).toBeLessThanOrEqual(101_000)
  })
})
