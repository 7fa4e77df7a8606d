// "Keep learning from my corrections": off by default; when idle with enough
// new corrections a version is trained and evaluated against the active model
// on held-out captions, activated only when better (a planted worse run is
// refused and the active model kept), the decision shown as an Activity note,
// and the activated version reverted like any other. Real training runs on the
// tiny pack (in this process: the app runs the same trainFromLibrary in its
// training child).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { readSettings } from '../settings.ts'
import { continuousNotes, continuousRound, decide, newTeachingCaptions, readContinuous, writeContinuous } from './continuous.ts'
import { trainFromLibrary, type LibraryTrainingOptions } from './library-training.ts'
import { captionsSnapshot, CAPTIONS, seedLibrary } from './training-test-support.ts'
import { listVersions, revertActive } from './versions.ts'

describe('continuous learning', () => {
  it('decides "better" on the held-out photos that read like yours, equal is not better', () => {
    const m = (oldLike: number, newLike: number, oldC = 1, newC = 1) => ({
      held_out: 10,
      old: { like_yours: oldLike, cider_d: oldC },
      new: { like_yours: newLike, cider_d: newC },
    })
    expect(decide(m(1, 9), 12)).toEqual({
      better: true,
      text: expect.stringMatching(
        /^Learnt from 12 new captions: 9 of 10 held-out photos now read like yours \(the model in use: 1\)\. The new version is now in use/,
      ),
    })
    expect(decide(m(7, 6), 12).better).toBe(false)
    expect(decide(m(7, 7), 12).better).toBe(false)
    expect(decide(m(7, 7, 1, 2), 12).better).toBe(true)
    expect(decide(null, 3).better).toBe(false)
  })

  it('off by default; trains when idle with enough new corrections, activates a better version, refuses a planted worse one, reverts', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'continuous-'))
    // No pack installed and none active: the default pack is the generated tiny pack (in tmp/packs).
    const db = openDatabase(path.join(tmp, 'lib.db'))
    seedLibrary(db, 48, 16)
    const captionsBefore = captionsSnapshot(db)
    const good: Partial<LibraryTrainingOptions> = { init: 'scratch', tuneGpt2: true, epochs: 6, batchSize: 8, lr: 3e-3, warmup: 2 }
    let trainOpts = good
    const trained: string[] = []
    const deps = {
      db,
      dataDir: tmp,
      train: (basePack: string) => {
        trained.push(basePack)
        return trainFromLibrary(db, { dataDir: tmp, basePack, ...trainOpts })
      },
    }

    expect(readContinuous(db)).toEqual({ enabled: false, minNew: 20 })
    expect(await continuousRound(deps)).toEqual({ ran: false, reason: 'off' })
    writeContinuous(db, { enabled: true, minNew: 8 })

    // Not while the library is busy.
    db.stmt(`INSERT INTO jobs (kind, photo_id, priority, created_at, updated_at) VALUES ('caption', 1, 1, 0, 0)`).run()
    expect(await continuousRound(deps)).toEqual({ ran: false, reason: 'the library is busy' })
    db.stmt(`DELETE FROM jobs`).run()

    // 48 corrections, none trained on yet: a better version is trained and activated.
    expect(newTeachingCaptions(db)).toBe(48)
    const first = await continuousRound(deps)
    expect(first.ran).toBe(true)
    if (!first.ran) return
    expect(first.decision.better).toBe(true)
    expect(first.version.active).toBe(true)
    expect(readSettings(db).activePack).toBe(first.version.packDir)
    expect(continuousNotes(db)[0]!.text).toMatch(/^Learnt from 48 new captions: \d+ of \d+ held-out photos now read like yours .* now in use/)
    expect(newTeachingCaptions(db)).toBe(0)
    expect(await continuousRound(deps)).toEqual({ ran: false, reason: '0 new captions, 8 needed' })

    // 8 more corrections arrive; the next run is planted to be worse (one step from a fresh random mapping): refused.
    const later = Date.now() + 10_000
    for (let id = 1; id <= 8; id++) {
      const cid = db
        .stmt(`INSERT INTO captions (photo_id, text, provenance, created_at) VALUES (?, ?, 'user', ?)`)
        .run(id, CAPTIONS[(id - 1) % CAPTIONS.length], later).lastInsertRowid
      db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(cid, id)
    }
    expect(newTeachingCaptions(db)).toBe(8)
    trainOpts = { init: 'scratch', tuneGpt2: false, steps: 1, batchSize: 8, lr: 1e-6, warmup: 0, seed: 5 }
    const second = await continuousRound(deps)
    expect(second.ran).toBe(true)
    if (!second.ran) return
    expect(trained[1]).toBe(first.version.packDir) // trained from, and evaluated against, the active version
    expect(second.decision.better).toBe(false)
    expect(second.version.active).toBe(false)
    expect(readSettings(db).activePack).toBe(first.version.packDir) // the better version stays in use
    expect(continuousNotes(db)[0]!.text).toMatch(/was not better .* The model in use was kept\.$/)

    // Revert like any version: back to the pack that was in use before.
    expect(revertActive(db)).toEqual({ activePack: null, activeVersion: null })
    expect(listVersions(db).some((v) => v.active)).toBe(false)
    expect(captionsSnapshot(db).slice(0, captionsBefore.length)).toEqual(captionsBefore) // training never rewrote a caption
    db.close()
    fs.rmSync(tmp, { recursive: true, force: true })
  }, 900_000)
})
