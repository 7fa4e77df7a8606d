// "Keep learning from my corrections" (off by default): when the library is
// idle and at least `minNew` captions that teach (see [Note: which captions
// teach]) were written, corrected or reviewed since the last run, train a new
// version from the ACTIVE model, evaluate it against that model on the same
// held-out captions, and activate it only when it is better. Either way the
// decision is kept with the version and shown in Activity; an activated
// version is reverted like any other.
//
// [Note: better] A new version is better when more held-out photos read like
// the person's captions ([Note: reads like yours]), or as many and a higher
// CIDEr-D. Equal is not better: a run that changed nothing is not activated.
import type { LibraryDb } from '../db/database.ts'
import { readInternal, readSettings, writeInternal } from '../settings.ts'
import { resolveDefaultPack } from '../../ml/packs/default-pack.ts'
import { readUserCaptions } from './db-dataset.ts'
import { activateVersion, listVersions, setVersionDecision, type ModelVersion } from './versions.ts'

export interface ContinuousSettings {
  enabled: boolean
  minNew: number
}

export const CONTINUOUS_DEFAULTS: ContinuousSettings = { enabled: false, minNew: 20 }
const KEY = 'continuousLearning'

export function readContinuous(db: LibraryDb): ContinuousSettings {
  const raw = readInternal(db, KEY)
  if (!raw) return { ...CONTINUOUS_DEFAULTS }
  try {
    const v = JSON.parse(raw) as Partial<ContinuousSettings>
    return { enabled: v.enabled === true, minNew: Number.isInteger(v.minNew) && v.minNew! >= 4 ? v.minNew! : CONTINUOUS_DEFAULTS.minNew }
  } catch {
    return { ...CONTINUOUS_DEFAULTS }
  }
}

export function writeContinuous(db: LibraryDb, patch: Partial<ContinuousSettings>): ContinuousSettings {
  const next = { ...readContinuous(db), ...patch }
  writeInternal(db, KEY, JSON.stringify(next))
  return next
}

/** Teaching captions written, corrected or reviewed after the newest version was started (all of them before the first). */
export function newTeachingCaptions(db: LibraryDb): number {
  const last = listVersions(db).at(-1)?.createdAt ?? -Infinity
  const ids = new Set(readUserCaptions(db.raw).map((c) => c.photoId))
  if (!ids.size) return 0
  const cols = new Set((db.raw.prepare(`PRAGMA table_info(captions)`).all() as { name: string }[]).map((c) => c.name))
  const when = cols.has('reviewed_at') ? 'max(c.created_at, coalesce(c.reviewed_at, 0))' : 'c.created_at'
  const rows = db.stmt(`SELECT p.id AS id, ${when} AS at FROM photos p JOIN captions c ON c.id = p.caption_id`).all() as { id: number; at: number }[]
  return rows.filter((r) => ids.has(r.id) && r.at > last).length
}

/** The library is idle: no job queued or running. */
export function libraryIdle(db: LibraryDb): boolean {
  return (db.stmt(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running')`).get() as { n: number }).n === 0
}

interface Score {
  like_yours?: number
  cider_d?: number
}

export interface Decision {
  better: boolean
  /** In words, for Activity. */
  text: string
}

/** [Note: better]: the new version against the model it started from. */
export function decide(metrics: Record<string, unknown> | null, newCaptions: number): Decision {
  const m = (metrics ?? {}) as { held_out?: number; old?: Score; new?: Score }
  const n = m.held_out ?? 0
  const before = m.old?.like_yours ?? 0
  const after = m.new?.like_yours ?? 0
  const better = after > before || (after === before && (m.new?.cider_d ?? 0) > (m.old?.cider_d ?? 0))
  const learnt = `Learnt from ${newCaptions} new caption${newCaptions === 1 ? '' : 's'}`
  return better
    ? {
        better,
        text: `${learnt}: ${after} of ${n} held-out photos now read like yours (the model in use: ${before}). The new version is now in use; you can go back in Learn my style.`,
      }
    : {
        better,
        text: `${learnt}, but the new version was not better (${after} of ${n} held-out photos read like yours, the model in use: ${before}). The model in use was kept.`,
      }
}

export type RoundOutcome = { ran: false; reason: string } | { ran: true; version: ModelVersion; decision: Decision }

export interface RoundDeps {
  db: LibraryDb
  dataDir: string
  /** Trains and evaluates a version from `basePack` (the active model); the app runs it in the training child. */
  train: (basePack: string) => Promise<ModelVersion>
  /** A run (manual or background) is going already. */
  busy?: () => boolean
  /** After an activation: reload the captioning model. */
  reload?: () => Promise<void>
}

/** One check of the continuous-learning loop: train, evaluate, activate only when better. */
export async function continuousRound(deps: RoundDeps): Promise<RoundOutcome> {
  const { db } = deps
  const s = readContinuous(db)
  if (!s.enabled) return { ran: false, reason: 'off' }
  if (deps.busy?.()) return { ran: false, reason: 'a training run is going' }
  if (!libraryIdle(db)) return { ran: false, reason: 'the library is busy' }
  const fresh = newTeachingCaptions(db)
  if (fresh < s.minNew) return { ran: false, reason: `${fresh} new captions, ${s.minNew} needed` }
  const basePack = readSettings(db).activePack ?? resolveDefaultPack(deps.dataDir).dir
  const version = await deps.train(basePack)
  const decision = decide(version.metrics, fresh)
  setVersionDecision(db, version.id, { trigger: 'continuous', activated: decision.better, text: decision.text })
  if (decision.better) {
    activateVersion(db, version.id)
    await deps.reload?.()
  }
  return { ran: true, version: listVersions(db).find((v) => v.id === version.id)!, decision }
}

/** What the background runs decided, newest first (Activity). */
export function continuousNotes(db: LibraryDb, limit = 20): { at: string; text: string }[] {
  return listVersions(db)
    .filter((v) => (v.metrics as { decision?: unknown } | null)?.decision)
    .reverse()
    .slice(0, limit)
    .map((v) => ({ at: new Date(v.finishedAt ?? v.createdAt).toISOString(), text: (v.metrics as { decision: { text: string } }).decision.text }))
}
