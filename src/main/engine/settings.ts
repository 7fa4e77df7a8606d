// Library settings: one JSON value per key in the `settings` table, validated
// when read back (a hand-edited or older database must not crash the engine).
import { z } from 'zod'
import type { LibraryDb } from './db/database.ts'
import { decodeOptionsShape, defaultDecodeOptions, MAX_BEAM, type DecodeOptions } from '../../shared/ml-options.ts'
import type { Settings } from './types.ts'

export const settingsSchema = z.object({
  activePack: z.string().min(1).nullable(),
  decoding: z.object(decodeOptionsShape),
  provider: z.string().min(1),
  missingGraceDays: z.number().min(0).max(3650),
})

export const defaultSettings: Settings = { activePack: null, decoding: { ...defaultDecodeOptions }, provider: 'auto', missingGraceDays: 30 }

/**
 * Each setting is read on its own: one unreadable or out-of-range value falls
 * back to its default and the others are kept (a database written when the
 * beam limit was wider must not lose the chosen pack and processor).
 */
export function readSettings(db: LibraryDb): Settings {
  const rows = db.stmt(`SELECT key, value FROM settings`).all() as { key: string; value: string }[]
  const out: Record<string, unknown> = { ...structuredClone(defaultSettings) }
  for (const r of rows) {
    if (!Object.hasOwn(settingsSchema.shape, r.key)) continue
    let value: unknown
    try {
      value = JSON.parse(r.value)
    } catch {
      continue
    }
    if (r.key === 'decoding') value = readDecoding(value)
    const field = settingsSchema.shape[r.key as keyof Settings].safeParse(value)
    if (field.success) out[r.key] = field.data
  }
  return out as unknown as Settings
}

/** A stored decode field by field; a beam wider than today's limit becomes the widest allowed. */
function readDecoding(stored: unknown): DecodeOptions {
  const out: DecodeOptions = { ...defaultDecodeOptions }
  if (typeof stored !== 'object' || stored === null) return out
  const v = stored as Record<string, unknown>
  if (typeof v.beamSize === 'number' && Number.isInteger(v.beamSize) && v.beamSize > MAX_BEAM) v.beamSize = MAX_BEAM
  for (const key of Object.keys(decodeOptionsShape) as (keyof DecodeOptions)[]) {
    const field = decodeOptionsShape[key].safeParse(v[key])
    if (field.success) (out as Record<string, unknown>)[key] = field.data
  }
  return out
}

export function writeSettings(db: LibraryDb, patch: Partial<Settings>): Settings {
  const next = settingsSchema.parse({ ...readSettings(db), ...patch }) as Settings
  db.tx(() => {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue
      db.stmt(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(
        k,
        JSON.stringify(next[k as keyof Settings]),
      )
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
