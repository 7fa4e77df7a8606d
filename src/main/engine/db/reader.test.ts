// The query side's read-only handle (openReader): it cannot write, and it reads
// what the writer committed; an in-memory library keeps its single handle.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, openReader, type LibraryDb } from './database.ts'
import { LibraryStore } from '../library/store.ts'
import { createLibraryViews } from '../views/library-views.ts'

const open: LibraryDb[] = []
const dirs: string[] = []
afterEach(() => {
  for (const db of open.splice(0).reverse()) db.close()
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function fileLibrary(): { writer: LibraryDb; reader: LibraryDb } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-reader-'))
  dirs.push(dir)
  const writer = openDatabase(path.join(dir, 'library.db'))
  open.push(writer)
  const reader = openReader(writer)
  open.push(reader)
  return { writer, reader }
}

const addPhoto = (db: LibraryDb, t: number): number =>
  Number(db.stmt(`INSERT INTO photos (size, fast_hash, added_at, updated_at) VALUES (1, ?, ?, ?)`).run(`h${t}`, t, t).lastInsertRowid)

describe('the read-only handle of the query side', () => {
  it('refuses a write on a file database', () => {
    const { writer, reader } = fileLibrary()
    expect(reader).not.toBe(writer)
    expect(reader.raw.readonly).toBe(true)
    expect(() => addPhoto(reader, 1)).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }))
    expect(() => reader.raw.exec(`DELETE FROM photos`)).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }))
  })

  it('reads what the writer committed, not what it has not committed yet', () => {
    const { writer, reader } = fileLibrary()
    const count = (): number => (reader.stmt(`SELECT count(*) AS n FROM photos`).get() as { n: number }).n
    addPhoto(writer, 1)
    expect(count()).toBe(1)
    writer.tx(() => {
      addPhoto(writer, 2)
      expect(count()).toBe(1)
    })
    expect(count()).toBe(2)
  })

  it('serves the grid views from committed writes', () => {
    const { writer, reader } = fileLibrary()
    const store = new LibraryStore(writer)
    const views = createLibraryViews(reader, () => store.listRoots())
    expect(views.page(undefined, 0, 10).total).toBe(0)
    const id = addPhoto(writer, 1)
    views.invalidate()
    expect(views.page(undefined, 0, 10)).toEqual({ total: 1, ids: [id] })
  })

  it('is the writer itself for an in-memory database, which a second connection cannot see', () => {
    const writer = openDatabase(':memory:')
    open.push(writer)
    expect(openReader(writer)).toBe(writer)
  })
})
