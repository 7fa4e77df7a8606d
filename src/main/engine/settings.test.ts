import { describe, expect, it } from 'vitest'
import { MAX_BEAM } from '../../shared/ml-options.ts'
import { openDatabase } from './db/database.ts'
import { defaultSettings, readSettings } from './settings.ts'

function stored(values: Record<string, string>): ReturnType<typeof openDatabase> {
  const db = openDatabase(':memory:')
  for (const [key, value] of Object.entries(values)) db.stmt(`INSERT INTO settings (key, value) VALUES (?, ?)`).run(key, value)
  return db
}

describe('settings read back from the database', () => {
  it('a beam wider than today’s limit (settings once allowed 20) becomes the widest allowed, and the other settings are kept', () => {
    const db = stored({
      activePack: JSON.stringify('clipcap-coco-vitb32'),
      provider: JSON.stringify('cuda'),
      decoding: JSON.stringify({ method: 'beam', beamSize: 20, maxTokens: 40 }),
    })
    expect(readSettings(db)).toEqual({
      ...defaultSettings,
      activePack: 'clipcap-coco-vitb32',
      provider: 'cuda',
      decoding: { method: 'beam', beamSize: MAX_BEAM, maxTokens: 40 },
    })
  })

  it('one unreadable value falls back to its own default only', () => {
    const db = stored({
      activePack: JSON.stringify('my-pack'),
      missingGraceDays: '"soon"',
      provider: '{not json',
      decoding: JSON.stringify({ method: 'beam', beamSize: 3, maxTokens: -1 }),
    })
    expect(readSettings(db)).toEqual({
      ...defaultSettings,
      activePack: 'my-pack',
      decoding: { method: 'beam', beamSize: 3, maxTokens: defaultSettings.decoding.maxTokens },
    })
  })

  it('keys that are not settings (internal bookkeeping, a later version’s) are ignored', () => {
    const db = stored({ 'internal.lastCheck': '"x"', toString: '"y"', activePack: JSON.stringify('p') })
    expect(readSettings(db)).toEqual({ ...defaultSettings, activePack: 'p' })
  })
})
