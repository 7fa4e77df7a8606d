import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { ensureTinyPack } from '../../ml/packs/tiny-pack.ts'
import { captionsSnapshot, seedLibrary } from './training-test-support.ts'
import { readSettings } from '../settings.ts'
import { availableCaptions, teachingSummary, trainFromLibrary, TooLittleDataError } from './library-training.ts'
import { readUserCaptions } from './db-dataset.ts'
import { activateVersion, listVersions, revertActive } from './versions.ts'

describe('training from the library', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lib-train-'))
  const pack = ensureTinyPack({ dir: path.join(tmp, 'tiny') })

  it('refuses clearly when there are too few user captions', async () => {
    const db = openDatabase(path.join(tmp, 'few.db'))
    seedLibrary(db, 30, 16, { userEvery: 3 }) // 10 user captions
    expect(availableCaptions(db)).toBe(10)
    await expect(trainFromLibrary(db, { dataDir: tmp, basePack: pack })).rejects.toThrow(TooLittleDataError)
    await expect(trainFromLibrary(db, { dataDir: tmp, basePack: pack })).rejects.toThrow(/10 photos have your own caption .* at least 20/)
    expect(listVersions(db)).toEqual([])
    db.close()
  })

  it("teaches with the person's own captions and reviewed automatic ones, never imported camera strings; says the minimum and why", () => {
    const db = openDatabase(path.join(tmp, 'teach.db'))
    seedLibrary(db, 12, 16) // 12 user captions
    const now = Date.now()
    // Photos 1–3: the current caption was imported from the file (a camera string).
    for (let id = 1; id <= 3; id++) {
      const cid = db
        .stmt(`INSERT INTO captions (photo_id, text, provenance, source, created_at) VALUES (?, 'OLYMPUS DIGITAL CAMERA', 'user', 'file', ?)`)
        .run(id, now + 5).lastInsertRowid
      db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(cid, id)
    }
    const reviewable = db.raw
      .prepare(`PRAGMA table_info(captions)`)
      .all()
      .some((c) => (c as { name: string }).name === 'reviewed_at')
    if (reviewable) {
      // Photo 4: an automatic caption the person reviewed and accepted teaches too.
      const cid = db
        .stmt(`INSERT INTO captions (photo_id, text, provenance, model_id, created_at, reviewed_at) VALUES (4, 'a red circle.', 'auto', 'm0', ?, ?)`)
        .run(now + 6, now + 7).lastInsertRowid
      db.stmt(`UPDATE photos SET caption_id = ? WHERE id = 4`).run(cid)
    } else console.warn('captions.reviewed_at not in this schema yet: the reviewed-caption case is not exercised')
    const caps = readUserCaptions(db.raw)
    expect(caps.some((c) => c.text === 'OLYMPUS DIGITAL CAMERA')).toBe(false)
    expect(caps.map((c) => c.photoId)).not.toContain(1)
    const s = teachingSummary(db)
    expect(s).toMatchObject({ total: 9, imported: 3, minimum: 20, user: reviewable ? 8 : 9, reviewed: reviewable ? 1 : 0 })
    expect(s.minimumReason).toMatch(/16 to learn from .* 4 kept aside to check/)
    db.close()
  })

  it('trains a version, evaluates old vs new, activates atomically, reverts; user captions untouched; a cancelled run resumes from its checkpoint', async () => {
    const db = openDatabase(path.join(tmp, 'lib.db'))
    seedLibrary(db, 48, 16)
    const before = captionsSnapshot(db)
    const common = { dataDir: tmp, basePack: pack, init: 'scratch' as const, tuneGpt2: true, epochs: 6, batchSize: 8, lr: 3e-3, warmup: 2, checkpointEvery: 5 }

    // Cancel part-way (as a crash would stop it): the version stays 'training' with a checkpoint.
    const ac = new AbortController()
    let seen = 0
    await expect(
      trainFromLibrary(db, {
        ...common,
        signal: ac.signal,
        onProgress: (p) => {
          seen = p.step
          if (p.step === 11) ac.abort()
        },
      }),
    ).rejects.toThrow(/cancelled/)
    expect(seen).toBe(11)
    const interrupted = listVersions(db)
    expect(interrupted).toHaveLength(1)
    expect(interrupted[0]!.state).toBe('training')
    expect(fs.existsSync(path.join(interrupted[0]!.checkpointDir!, 'checkpoint.safetensors'))).toBe(true)

    const progress: number[] = []
    const v = await trainFromLibrary(db, { ...common, onProgress: (p) => progress.push(p.step) })
    expect(v.id).toBe(interrupted[0]!.id)
    expect(progress[0]).toBe(10) // resumed after the checkpoint at step 10
    expect(v.state).toBe('ready')
    const m = v.metrics as {
      held_out: number
      old: { val_loss: number | null; bleu4: number; cider_d: number; like_yours: number }
      new: { val_loss: number; bleu4: number; cider_d: number; like_yours: number }
      resumed_from_step: number
      samples: { new: string; reference: string }[]
      provider: string
    }
    expect(m.resumed_from_step).toBe(10)
    // Both rows filled: the model before training measured on the same held-out captions.
    expect(m.held_out).toBe(5)
    expect(m.old.val_loss).not.toBeNull()
    expect(m.new.like_yours).toBeGreaterThan(m.old.like_yours)
    expect(m.provider).toBe('cpu')
    expect(m.new.val_loss).toBeLessThan(m.old.val_loss!)
    expect(m.new.cider_d).toBeGreaterThan(m.old.cider_d)
    expect(m.samples.length).toBeGreaterThan(0)
    expect(fs.existsSync(path.join(v.packDir, 'mapping', 'model.safetensors'))).toBe(true)
    expect(fs.existsSync(path.join(v.packDir, 'gpt2', 'model.safetensors'))).toBe(true)
    expect(captionsSnapshot(db)).toEqual(before)

    expect(readSettings(db).activePack).toBe(null)
    activateVersion(db, v.id)
    expect(readSettings(db).activePack).toBe(v.packDir)
    expect(
      listVersions(db)
        .filter((x) => x.active)
        .map((x) => x.id),
    ).toEqual([v.id])
    expect(revertActive(db)).toEqual({ activePack: null, activeVersion: null })
    expect(readSettings(db).activePack).toBe(null)
    expect(() => revertActive(db)).toThrow(/nothing to revert/)
    db.close()
  }, 600_000)
})
