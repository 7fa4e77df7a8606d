// The library's settings, announced when they change.
import type { LibraryDb } from '../db/database.ts'
import type { Emitter } from '../events.ts'
import { readSettings, writeSettings } from '../settings.ts'
import type { EngineEvents, Settings } from '../types.ts'

export interface SettingsFacade {
  get(): Settings
  set(patch: Partial<Settings>): Settings
}

export function createSettings(db: LibraryDb, events: Emitter<EngineEvents>): SettingsFacade {
  return {
    get: () => readSettings(db),
    set(patch) {
      const next = writeSettings(db, patch)
      events.emit('settings.changed', next)
      return next
    },
  }
}
