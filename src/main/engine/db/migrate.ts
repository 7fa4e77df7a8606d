// Numbered, append-only migrations under PRAGMA user_version.
//
// Files are named `NNNN-what.sql` in ./migrations; they are applied in numeric
// order, each in its own transaction together with `user_version = NNNN`, so a
// crash leaves the database at the previous version, never half-migrated.
// Numbers may have gaps (0001-0019 library, 0020-0029 search and export,
// 0030-0039 training are owned by different people). user_version is the only
// record, so everything numbered at or below it counts as applied: append new
// migrations with a number above every released one.
// A database whose user_version is above the newest migration we know was
// written by a newer Photocap: refuse to open it rather than corrupt it.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'

export interface Migration {
  version: number
  name: string
  sql: string
}

/**
 * The .sql files, next to this module in development and under tsx. A bundled
 * build (electron-vite) ships the folder as a resource and points
 * PHOTOCAP_MIGRATIONS_DIR at it. Read at call time, not load time: in the desktop bundle this module sits in a
 * shared chunk that is evaluated before the Electron composition sets
 * PHOTOCAP_MIGRATIONS_DIR (see [Note: bundled resource folders]).
 */
export function defaultMigrationsDir(): string {
  return process.env.PHOTOCAP_MIGRATIONS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
}

const fileRe = /^(\d{4})-([a-z0-9-]+)\.sql$/

export function loadMigrations(dir = defaultMigrationsDir()): Migration[] {
  const out: Migration[] = []
  for (const file of fs.readdirSync(dir)) {
    const m = fileRe.exec(file)
    if (!m) continue
    out.push({ version: Number(m[1]), name: m[2]!, sql: fs.readFileSync(path.join(dir, file), 'utf8') })
  }
  out.sort((a, b) => a.version - b.version)
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.version === out[i - 1]!.version) throw new Error(`two migrations numbered ${out[i]!.version}: ${out[i - 1]!.name}, ${out[i]!.name}`)
  }
  return out
}

export class DatabaseFromNewerVersionError extends Error {
  constructor(
    readonly file: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(`database ${file} has schema version ${found}, newer than this Photocap knows (${known}); upgrade Photocap to open it`)
    this.name = 'DatabaseFromNewerVersionError'
  }
}

export function migrate(db: Database.Database, migrations: Migration[], options: { checkOnly?: boolean; upTo?: number } = {}): number {
  const current = db.pragma('user_version', { simple: true }) as number
  const newest = migrations.at(-1)?.version ?? 0
  if (current > newest) throw new DatabaseFromNewerVersionError(db.name, current, newest)
  if (options.checkOnly) return current
  let version = current
  for (const m of migrations) {
    if (m.version <= current) continue
    if (options.upTo !== undefined && m.version > options.upTo) break
    const apply = db.transaction(() => {
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    })
    try {
      apply.immediate()
    } catch (error) {
      throw new Error(`migration ${String(m.version).padStart(4, '0')}-${m.name} failed: ${error instanceof Error ? error.message : String(error)}`)
    }
    version = m.version
  }
  return version
}
