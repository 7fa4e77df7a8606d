import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { ensureTinyPack } from '../../ml/packs/tiny-pack.ts'
import { captionsSnapshot, seedLibrary } from './training-test-support.ts'
import { readSettings } from '../settings.ts'
import { availableCaptions, recaptionLibrary, trainFromLibrary, TooLittleDataError } from './library-training.ts'
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

  it('trains a version, evaluates old vs new, activates atomically, reverts; user captions untouched; a cancelled run resumes from its checkpoint', async () => {
    const db = openDatabase(path.join(tmp, 'lib.db'))
    seedLibrary(db, 48, 16)
    const before = captionsSnapshot(db)
    const common = { dataDir: tmp, basePack: pack, init: 'scratch' as const, tuneGpt2: true, epochs: 6, batchSize: 8, lr: 3e-3, warmup: 2, checkpointEvery: 5 }

    // Cancel part-way (as a crash would stop it): the version stays 'training' with a checkpoint.
    const ac = new AbortController()
    let seen = 0
    await expect(trainFromLibrary(db, { ...common, signal: ac.signal, onProgress: (p) => { seen = p.step; if (p.step === 11) ac.abort() } })).rejects.toThrow(/cancelled/)
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
    const m = v.metrics as { old: { val_loss: number | null; bleu4: number; cider_d: number }; new: { val_loss: number; bleu4: number; cider_d: number }; resumed_from_step: number; samples: { new: string; reference: string }[] }
    expect(m.resumed_from_step).toBe(10)
    expect(m.new.val_loss).toBeLessThan(m.old.val_loss!)
    expect(m.new.cider_d).toBeGreaterThan(m.old.cider_d)
    expect(m.samples.length).toBeGreaterThan(0)
    expect(fs.existsSync(path.join(v.packDir, 'mapping', 'model.safetensors'))).toBe(true)
    expect(fs.existsSync(path.join(v.packDir, 'gpt2', 'model.safetensors'))).toBe(true)
    expect(captionsSnapshot(db)).toEqual(before)

    expect(readSettings(db).activePack).toBe(null)
    activateVersion(db, v.id)
    expect(readSettings(db).activePack).toBe(v.packDir)
    expect(listVersions(db).filter((x) => x.active).map((x) => x.id)).toEqual([v.id])
    expect(revertActive(db)).toEqual({ activePack: null, activeVersion: null })
    expect(readSettings(db).activePack).toBe(null)
    expect(() => revertActive(db)).toThrow(/nothing to revert/)

    const enqueued: number[] = []
    expect(recaptionLibrary(db, (id) => enqueued.push(id))).toBe(0) // every photo has a user caption: none is re-captioned
    db.stmt(`UPDATE photos SET caption_id = (SELECT id FROM captions WHERE photo_id = photos.id AND provenance = 'auto') WHERE id <= 2`).run()
    expect(recaptionLibrary(db, (id) => enqueued.push(id))).toBe(2)
    expect(enqueued).toEqual([1, 2])
    db.close()
  }, 600_000)
})
