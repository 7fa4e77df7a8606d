// Opening the library database: pragmas, the migration runner and a cached
// prepared-statement helper. Only this folder and the runners touch SQLite.
//
// [Note: SQLite discipline]
// - WAL so readers (the UI, `photocap list`) never block the indexer, and
//   synchronous=NORMAL, which in WAL mode is durable across process crashes
//   (kill -9) and only risks the last transactions on power loss, never corruption.
// - foreign_keys=ON (off by default in SQLite) and busy_timeout so a second
//   process (the CLI next to the app) waits instead of failing with SQLITE_BUSY.
// - Every table is STRICT. Migrations are numbered, append-only and each runs in
//   one transaction with its `user_version` bump (see migrate.ts).
// - `db.transaction()` wraps synchronous code only: never await inside one.
// - The query side (grid views, search) reads through a second, read-only
//   handle (openReader), so a read path cannot write.
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { migrate, loadMigrations, type Migration } from './migrate.ts'

export type SqliteDb = Database.Database

export interface LibraryDb {
  readonly raw: SqliteDb
  readonly path: string
  /** A prepared statement, compiled once per connection and reused. */
  stmt(sql: string): Database.Statement
  /** Run `fn` in one IMMEDIATE transaction (synchronous code only). */
  tx<T>(fn: () => T): T
  close(): void
}

export interface OpenOptions {
  /** Migrations to apply; defaults to the .sql files in ./migrations. */
  migrations?: Migration[]
  readonly?: boolean
  /** Milliseconds to wait for a lock held by another connection. */
  busyTimeoutMs?: number
}

export function openDatabase(file: string, options: OpenOptions = {}): LibraryDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
  const raw = new Database(file, { readonly: options.readonly ?? false })
  try {
    raw.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
    if (!options.readonly) {
      raw.pragma('journal_mode = WAL')
      raw.pragma('synchronous = NORMAL')
    }
    raw.pragma('foreign_keys = ON')
    if (!options.readonly) migrate(raw, options.migrations ?? loadMigrations())
    else migrate(raw, options.migrations ?? loadMigrations(), { checkOnly: true })
  } catch (error) {
    raw.close()
    throw error
  }
  return wrap(raw, file)
}

/**
 * A read-only handle on the same library file, for the query side (grid views,
 * search): a read path cannot write through it. WAL mode lets it read next to
 * the writer, and each read sees every transaction committed before it began.
 * An in-memory database is private to its one connection, so a second handle
 * would open an empty database: there (tests) the writer itself is returned.
 */
export function openReader(writer: LibraryDb): LibraryDb {
  if (writer.path === ':memory:' || writer.raw.memory) return writer
  return openDatabase(writer.path, { readonly: true })
}

// PHOTOCAP_SLOW_SQL_MS=N logs every transaction that holds the write lock
// longer than N ms (the slow-query log: long write transactions are what
// make the UI and a second process wait).
const slowTxMs = Number(process.env.PHOTOCAP_SLOW_SQL_MS ?? 0)

export function wrap(raw: SqliteDb, file: string): LibraryDb {
  const cache = new Map<string, Database.Statement>()
  return {
    raw,
    path: file,
    stmt(sql) {
      let s = cache.get(sql)
      if (!s) {
        s = raw.prepare(sql)
        cache.set(sql, s)
      }
      return s
    },
    tx<T>(fn: () => T): T {
      if (!slowTxMs) return raw.transaction(fn).immediate()
      const t0 = performance.now()
      try {
        return raw.transaction(fn).immediate()
      } finally {
        const ms = performance.now() - t0
        if (ms > slowTxMs) console.warn(`photocap: slow transaction ${ms.toFixed(0)} ms in ${file}\n${new Error().stack?.split('\n').slice(2, 5).join('\n')}`)
      }
    },
    close() {
      cache.clear()
      if (raw.open) raw.close()
    },
  }
}
