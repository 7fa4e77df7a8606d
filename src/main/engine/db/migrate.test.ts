import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from './database.ts'
import { DatabaseFromNewerVersionError, defaultMigrationsDir, loadMigrations, migrate, type Migration } from './migrate.ts'

const tmp = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-db-')), 'lib.db')
const libraryMigrations = (): Migration[] => loadMigrations().filter((m) => m.version < 20)

describe('migration runner', () => {
  it('applies migrations in numeric order, tolerating gaps, and records user_version', () => {
    const db = new Database(':memory:')
    const ms: Migration[] = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER) STRICT;' },
      { version: 7, name: 'b', sql: 'CREATE TABLE b (x INTEGER) STRICT;' },
      { version: 20, name: 'c', sql: 'CREATE TABLE c (x INTEGER) STRICT;' },
    ]
    expect(migrate(db, ms)).toBe(20)
    expect(db.pragma('user_version', { simple: true })).toBe(20)
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type='table' ORDER BY name`).pluck().all()).toEqual(['a', 'b', 'c'])
    // Running again applies nothing.
    expect(migrate(db, ms)).toBe(20)
  })

  it('loads NNNN-what.sql files sorted by number, ignoring other files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-mig-'))
    fs.writeFileSync(path.join(dir, '0020-later.sql'), 'SELECT 1;')
    fs.writeFileSync(path.join(dir, '0003-early.sql'), 'SELECT 1;')
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a migration')
    expect(loadMigrations(dir).map((m) => `${m.version}-${m.name}`)).toEqual(['3-early', '20-later'])
    fs.writeFileSync(path.join(dir, '0003-again.sql'), 'SELECT 1;')
    expect(() => loadMigrations(dir)).toThrow(/two migrations numbered 3/)
  })

  it('rolls a failing migration back completely and names it', () => {
    const db = new Database(':memory:')
    const ms: Migration[] = [
      { version: 1, name: 'ok', sql: 'CREATE TABLE a (x INTEGER) STRICT;' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE b (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);' },
    ]
    expect(() => migrate(db, ms)).toThrow(/migration 0002-broken failed: no such table: nowhere/)
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'b'`).pluck().get()).toBe(0)
  })

  it('refuses a database written by a newer Photocap, without touching it', () => {
    const file = tmp()
    const raw = new Database(file)
    raw.pragma('user_version = 999')
    raw.close()
    expect(() => openDatabase(file)).toThrow(DatabaseFromNewerVersionError)
    expect(() => openDatabase(file)).toThrow(/schema version 999, newer than this Photocap knows/)
    const again = new Database(file)
    expect(again.pragma('user_version', { simple: true })).toBe(999)
    again.close()
  })

  it('every migration file in the folder applies cleanly on an empty database', () => {
    const db = new Database(':memory:')
    const all = loadMigrations(defaultMigrationsDir())
    expect(migrate(db, all)).toBe(all.at(-1)!.version)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(db.pragma('foreign_key_check')).toEqual([])
  })
})

describe('0001-library', () => {
  const open = () => {
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    migrate(db, libraryMigrations(), { upTo: 1 })
    return db
  }

  it('creates the library tables, all STRICT', () => {
    const db = open()
    const tables = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string; sql: string }[]
    expect(tables.map((t) => t.name)).toEqual(['captions', 'embeddings', 'jobs', 'paths', 'photos', 'roots', 'settings'])
    for (const t of tables) expect(t.sql, t.name).toMatch(/\)\s*STRICT$/)
  })

  it('enforces types, checks and foreign keys', () => {
    const db = open()
    expect(() => db.prepare(`INSERT INTO roots (path, added_at) VALUES ('/a', 'yesterday')`).run()).toThrow(/cannot store TEXT value in INTEGER column/)
    db.prepare(`INSERT INTO roots (path, added_at) VALUES ('/a', 1)`).run()
    expect(() => db.prepare(`INSERT INTO photos (status, added_at, updated_at) VALUES ('weird', 1, 1)`).run()).toThrow(/CHECK constraint failed/)
    expect(() => db.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (42, 1, 'x.jpg', 1)`).run()).toThrow(
      /FOREIGN KEY constraint failed/,
    )
    const photo = db.prepare(`INSERT INTO photos (size, fast_hash, added_at, updated_at) VALUES (10, 'h', 1, 1)`).run().lastInsertRowid
    db.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, 1, 'x.jpg', 1)`).run(photo)
    expect(() => db.prepare(`INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, 1, 'x.jpg', 1)`).run(photo)).toThrow(/UNIQUE/)
    const cap = db.prepare(`INSERT INTO captions (photo_id, text, provenance, created_at) VALUES (?, 'hi', 'user', 1)`).run(photo).lastInsertRowid
    db.prepare(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(cap, photo)
    // Removing the root removes its paths; removing the photo its captions.
    db.prepare(`DELETE FROM roots WHERE id = 1`).run()
    expect(db.prepare(`SELECT count(*) FROM paths`).pluck().get()).toBe(0)
    db.prepare(`DELETE FROM photos WHERE id = ?`).run(photo)
    expect(db.prepare(`SELECT count(*) FROM captions`).pluck().get()).toBe(0)
  })

  it('allows one pending job per subject and kind, any number of finished ones', () => {
    const db = open()
    const ins = db.prepare(
      `INSERT OR IGNORE INTO jobs (kind, root_id, rel_path, priority, state, created_at, updated_at) VALUES ('ingest', NULL, 'a.jpg', 10, ?, 1, 1)`,
    )
    expect(ins.run('queued').changes).toBe(1)
    expect(ins.run('queued').changes).toBe(0)
    expect(ins.run('failed').changes).toBe(1)
    expect(ins.run('failed').changes).toBe(1)
  })
})

describe('openDatabase', () => {
  it('turns on WAL, foreign keys and a busy timeout, and caches statements', () => {
    const db = openDatabase(tmp(), { migrations: libraryMigrations() })
    expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.raw.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.raw.pragma('busy_timeout', { simple: true })).toBe(5000)
    expect(db.stmt('SELECT 1')).toBe(db.stmt('SELECT 1'))
    db.close()
  })
})
