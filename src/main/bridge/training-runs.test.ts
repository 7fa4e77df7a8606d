// "Learn my style" through the API: training.start runs the training in a child
// process and its progress arrives as training.progressed events; pause keeps
// the checkpoint, resume finishes the same version; user captions are untouched.
import { testBackend } from '../../../test/helpers/backend.ts'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { MethodOutput } from '../../shared/api.ts'
import { captionsSnapshot, seedLibrary } from '../engine/training/training-test-support.ts'
import { listVersions } from '../engine/training/versions.ts'
import type { Backend } from '../app/backend.ts'
import { apiCaller } from '../app/test-support.ts'

type Info = MethodOutput<'training.info'>
let dir: string
let backend: Backend

const call = apiCaller(() => backend)

/** Resolves with the first training.progressed event that satisfies `pred`. */
function progressed(pred: (i: Info) => boolean): Promise<Info> {
  return new Promise((resolve) => {
    const off = backend.events.on('training.progressed', (i) => {
      if (pred(i)) {
        off()
        resolve(i)
      }
    })
  })
}

afterAll(async () => {
  await backend?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('training through the API', () => {
  it('runs in a child process with live progress; pause keeps the checkpoint and resume finishes the version', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-train-api-'))
    backend = await testBackend(dir)
    const db = backend.engine.db
    seedLibrary(db, 24, 16)
    const before = captionsSnapshot(db)
    expect((await call('training.info', {})).userCaptions).toBe(24)

    // 20 training captions at the default batch size (8): two steps per epoch.
    const running = progressed((i) => i.run?.state === 'running' && i.run.step >= 2)
    await call('training.start', { init: 'scratch', epochs: 15, learningRate: 3e-3 })
    const mid = await running
    expect(mid.run).toMatchObject({ totalSteps: 30 })
    expect(mid.run!.points.length).toBeGreaterThan(0)
    expect(mid.run!.points.every((p) => Number.isFinite(p.loss))).toBe(true)

    const paused = progressed((i) => i.run?.state !== 'running')
    await call('training.pause', {})
    expect((await paused).run).toMatchObject({ state: 'paused', error: null })
    const [interrupted] = listVersions(db)
    expect(interrupted?.state).toBe('training')

    const done = progressed((i) => i.run?.state !== 'running')
    await call('training.resume', {})
    const end = await done
    expect(end.run).toMatchObject({ state: 'done', step: 29, error: null })
    // The same version row finishes (resume from its checkpoint is tested in training-process.test.ts).
    const [v, ...more] = listVersions(db)
    expect(more).toEqual([])
    expect(v).toMatchObject({ id: interrupted!.id, state: 'ready' })
    expect(end.versions.find((x) => x.id === String(v!.id))?.valLoss).toBeGreaterThan(0)
    // Both rows filled: the pack (before training) measured on the same 4 held-out captions, said in words.
    expect(end.versions[0]).toMatchObject({ id: 'pack', valLoss: expect.any(Number), bleu4: expect.any(Number), cider: expect.any(Number) })
    expect(end.evaluation).toMatchObject({
      versionId: String(v!.id),
      heldOut: 4,
      before: { valLoss: expect.any(Number) },
      after: { valLoss: expect.any(Number) },
    })
    expect(end.evaluation!.summary).toMatch(/^\d of your 4 held-out photos now reads? like yours \(before training: \d of 4\)\.$/)
    expect(end.run!.points.at(-1)!.valLoss).toBeGreaterThan(0) // the held-out loss of the finished model
    expect(end.run!.provider).toBe('cpu')
    expect(end.teaching).toMatchObject({ user: 24, reviewed: 0, imported: 0 })
    expect(captionsSnapshot(db)).toEqual(before)
  }, 300_000)
})
