// Model versions (migration 0030): create, list, activate atomically, revert.
// Activation flips model_versions.active and settings.activePack in ONE
// transaction; revert re-activates the pack that was active before.
import type { LibraryDb } from '../db/database.ts'

export interface ModelVersion {
  id: number
  name: string
  state: 'training' | 'ready' | 'failed'
  basePack: string
  packDir: string
  checkpointDir: string | null
  params: Record<string, unknown>
  metrics: Record<string, unknown> | null
  error: string | null
  active: boolean
  previousPack: string | null
  createdAt: number
  finishedAt: number | null
  activatedAt: number | null
}

type Row = {
  id: number
  name: string
  state: ModelVersion['state']
  base_pack: string
  pack_dir: string
  checkpoint_dir: string | null
  params: string
  metrics: string | null
  error: string | null
  active: number
  previous_pack: string | null
  created_at: number
  finished_at: number | null
  activated_at: number | null
}

function fromRow(r: Row): ModelVersion {
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    basePack: r.base_pack,
    packDir: r.pack_dir,
    checkpointDir: r.checkpoint_dir,
    params: JSON.parse(r.params) as Record<string, unknown>,
    metrics: r.metrics ? (JSON.parse(r.metrics) as Record<string, unknown>) : null,
    error: r.error,
    active: r.active === 1,
    previousPack: r.previous_pack,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    activatedAt: r.activated_at,
  }
}

export function createVersion(
  db: LibraryDb,
  v: { name: string; basePack: string; packDir: string; checkpointDir: string; params: Record<string, unknown> },
  now = Date.now(),
): ModelVersion {
  const id = db
    .stmt(`INSERT INTO model_versions (name, state, base_pack, pack_dir, checkpoint_dir, params, created_at) VALUES (?, 'training', ?, ?, ?, ?, ?)`)
    .run(v.name, v.basePack, v.packDir, v.checkpointDir, JSON.stringify(v.params), now).lastInsertRowid
  return getVersion(db, Number(id))!
}

export function getVersion(db: LibraryDb, id: number): ModelVersion | null {
  const r = db.stmt(`SELECT * FROM model_versions WHERE id = ?`).get(id) as Row | undefined
  return r ? fromRow(r) : null
}

export function listVersions(db: LibraryDb): ModelVersion[] {
  return (db.stmt(`SELECT * FROM model_versions ORDER BY id`).all() as Row[]).map(fromRow)
}

export function finishVersion(db: LibraryDb, id: number, result: { metrics: Record<string, unknown> } | { error: string }, now = Date.now()): void {
  if ('error' in result) db.stmt(`UPDATE model_versions SET state = 'failed', error = ?, finished_at = ? WHERE id = ?`).run(result.error, now, id)
  else
    db.stmt(`UPDATE model_versions SET state = 'ready', metrics = ?, error = NULL, finished_at = ? WHERE id = ?`).run(JSON.stringify(result.metrics), now, id)
}

function activePackSetting(db: LibraryDb): string | null {
  const r = db.stmt(`SELECT value FROM settings WHERE key = 'activePack'`).get() as { value: string } | undefined
  if (!r) return null
  try {
    const v = JSON.parse(r.value) as unknown
    return typeof v === 'string' ? v : null
  } catch {
    return null
  }
}

function setActivePack(db: LibraryDb, dir: string | null): void {
  db.stmt(`INSERT INTO settings (key, value) VALUES ('activePack', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(JSON.stringify(dir))
}

/** Make version `id` the captioning model (atomically with settings.activePack). */
export function activateVersion(db: LibraryDb, id: number, now = Date.now()): ModelVersion {
  db.tx(() => {
    const v = getVersion(db, id)
    if (!v) throw new Error(`model version ${id} does not exist`)
    if (v.state !== 'ready') throw new Error(`model version ${id} is ${v.state}; only an evaluated (ready) version can be activated`)
    if (v.active) return
    const previous = activePackSetting(db)
    db.stmt(`UPDATE model_versions SET active = 0 WHERE active = 1`).run()
    db.stmt(`UPDATE model_versions SET active = 1, previous_pack = ?, activated_at = ? WHERE id = ?`).run(previous, now, id)
    setActivePack(db, v.packDir)
  })
  return getVersion(db, id)!
}

/**
 * Go back to the pack that was active before the active version (another
 * version, the base pack, or the default pack when none was set).
 */
export function revertActive(db: LibraryDb): { activePack: string | null; activeVersion: number | null } {
  return db.tx(() => {
    const cur = (db.stmt(`SELECT * FROM model_versions WHERE active = 1`).get() as Row | undefined) ?? null
    if (!cur) throw new Error('no trained model version is active; nothing to revert')
    const previous = cur.previous_pack
    db.stmt(`UPDATE model_versions SET active = 0 WHERE id = ?`).run(cur.id)
    const prevVersion = previous
      ? ((db.stmt(`SELECT id FROM model_versions WHERE pack_dir = ? AND state = 'ready'`).get(previous) as { id: number } | undefined) ?? null)
      : null
    if (prevVersion) db.stmt(`UPDATE model_versions SET active = 1 WHERE id = ?`).run(prevVersion.id)
    setActivePack(db, previous)
    return { activePack: previous, activeVersion: prevVersion?.id ?? null }
  })
}

/** Keep what a background run decided with its version (metrics.decision), for Activity. */
export function setVersionDecision(db: LibraryDb, id: number, decision: { trigger: 'continuous'; activated: boolean; text: string }): void {
  const v = getVersion(db, id)
  if (!v) throw new Error(`model version ${id} does not exist`)
  db.stmt(`UPDATE model_versions SET metrics = ? WHERE id = ?`).run(JSON.stringify({ ...(v.metrics ?? {}), decision }), id)
}
