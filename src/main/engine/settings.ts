// Library settings: one JSON value per key in the `settings` table, validated
// when read back (a hand-edited or older database must not crash the engine).
import { z } from 'zod'
import type { LibraryDb } from './db/database.ts'
import { decodeOptionsShape, defaultDecodeOptions } from '../../shared/ml-options.ts'
import type { Settings } from './types.ts'

export const settingsSchema = z.object({
  activePack: z.string().min(1).nullable(),
  decoding: z.object(decodeOptionsShape),
  provider: z.string().min(1),
  missingGraceDays: z.number().min(0).max(3650),
})

export const defaultSettings: Settings = { activePack: null, decoding: { ...defaultDecodeOptions }, provider: 'auto', missingGraceDays: 30 }

export function readSettings(db: LibraryDb): Settings {
  const rows = db.stmt(`SELECT key, value FROM settings`).all() as { key: string; value: string }[]
  const out: Record<string, unknown> = { ...defaultSettings }
  for (const r of rows) {
    if (!(r.key in defaultSettings)) continue
    try {
      out[r.key] = JSON.parse(r.value)
    } catch {
      // keep the default
    }
  }
  const parsed = settingsSchema.safeParse(out)
  return parsed.success ? (parsed.data as Settings) : defaultSettings
}

export function writeSettings(db: LibraryDb, patch: Partial<Settings>): Settings {
  const next = settingsSchema.parse({ ...readSettings(db), ...patch }) as Settings
  db.tx(() => {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue
      db.stmt(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(k, JSON.stringify(next[k as keyof Settings]))
    }
  })
  return next
}

/** Internal bookkeeping kept beside the user's settings (not part of Settings). */
export function readInternal(db: LibraryDb, key: string): string | null {
  return (db.stmt(`SELECT value FROM settings WHERE key = ?`).get(`internal.${key}`) as { value: string } | undefined)?.value ?? null
}

export function writeInternal(db: LibraryDb, key: string, value: string): void {
  db.stmt(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(`internal.${key}`, value)
}
