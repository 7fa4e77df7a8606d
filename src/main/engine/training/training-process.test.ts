// Library training in a child process: progress arrives from another pid, the
// version lands in the shared WAL database while this process keeps writing,
// user captions are untouched, a stop keeps the checkpoint, and a child killed
// with SIGKILL is reported as a crash and resumed by the next start.
import { fork } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { ensureTinyPack } from '../../ml/packs/tiny-pack.ts'
import { TooLittleDataError } from './library-training.ts'
import { startTrainingProcess, TRAINING_CHILD_ENTRY, TrainingCancelledError, TrainingProcessCrashedError } from './training-process.ts'
import type { TrainingProgressMessage } from './training-protocol.ts'
import { captionsSnapshot, seedLibrary } from './training-test-support.ts'
import { getVersion, listVersions } from './versions.ts'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'train-proc-'))
const pack = ensureTinyPack({ dir: path.join(tmp, 'tiny') })
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

// 24 user captions: 20 to train on (2 steps per epoch at batch 8), 4 held out.
const common = {
  dataDir: tmp,
  basePack: pack,
  init: 'scratch' as const,
  tuneGpt2: false,
  batchSize: 8,
  lr: 3e-3,
  warmup: 1,
  checkpointEvery: 2,
  provider: 'cpu' as const,
}

function library(name: string) {
  const file = path.join(tmp, `${name}.db`)
  const db = openDatabase(file)
  seedLibrary(db, 24, 16)
  return { file, db }
}

describe('training in a child process', () => {
  it('trains in another process, relays progress and returns the version; this process keeps writing meanwhile', async () => {
    const { file, db } = library('ok')
    const before = captionsSnapshot(db)
    const progress: TrainingProgressMessage[] = []
    const h = startTrainingProcess({
      dbPath: file,
      options: { ...common, epochs: 3 },
      onProgress: (p) => {
        progress.push(p)
        // The engine's own short write transactions go on while the child trains.
        db.tx(() => db.stmt(`UPDATE photos SET updated_at = ? WHERE id = 1`).run(Date.now()))
      },
    })
    // glibc keeps large blocks in its heap in the child ([Note: fresh output buffers]); Linux shows a process's environment.
    if (process.platform === 'linux' && !process.env.MALLOC_MMAP_MAX_) {
      expect(fs.readFileSync(`/proc/${h.pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_MMAP_MAX_=0')
    }
    const r = await h.result
    expect(r.childPid).not.toBe(process.pid)
    expect(r.childPid).toBe(h.pid)
    expect(progress.map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5])
    expect(progress.every((p) => p.steps === 6 && Number.isFinite(p.loss) && p.samples_per_s > 0 && p.etaSeconds >= 0)).toBe(true)
    expect(progress.at(-1)!.epoch).toBe(2)
    const v = getVersion(db, r.version.id)
    expect(v?.state).toBe('ready')
    expect(r.version).toMatchObject({ id: v!.id, state: 'ready', packDir: v!.packDir })
    expect((v!.metrics as { new: { val_loss: number } }).new.val_loss).toBeGreaterThan(0)
    expect(fs.existsSync(path.join(v!.packDir, 'mapping', 'model.safetensors'))).toBe(true)
    expect(captionsSnapshot(db)).toEqual(before)
    db.close()
  }, 300_000)

  it('reports too little data as TooLittleDataError (through a supplied launcher); refuses an in-memory database', async () => {
    const file = path.join(tmp, 'few.db')
    const db = openDatabase(file)
    seedLibrary(db, 30, 16, { userEvery: 3 })
    db.close()
    // Through a caller-supplied launcher (how Electron runs the child as a utilityProcess).
    const launched: string[] = []
    const launch = (entry: string) => {
      launched.push(entry)
      return fork(entry, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    }
    await expect(startTrainingProcess({ dbPath: file, options: common, launch }).result).rejects.toThrow(TooLittleDataError)
    expect(launched).toEqual([TRAINING_CHILD_ENTRY])
    expect(() => startTrainingProcess({ dbPath: ':memory:', options: common })).toThrow(/not an in-memory database/)
  }, 120_000)

  it('stops at a step boundary when asked, keeping the checkpoint', async () => {
    const { file, db } = library('stop')
    const steps: number[] = []
    const h = startTrainingProcess({
      dbPath: file,
      options: { ...common, epochs: 50 },
      onProgress: (p) => {
        steps.push(p.step)
        if (p.step === 3) h.stop()
      },
    })
    await expect(h.result).rejects.toThrow(TrainingCancelledError)
    expect(steps.at(-1)).toBeLessThan(99)
    const [v] = listVersions(db)
    expect(v?.state).toBe('training')
    expect(fs.existsSync(path.join(v!.checkpointDir!, 'checkpoint.safetensors'))).toBe(true)
    db.close()
  }, 300_000)

  it('reports a killed child as a crash with its signal; the next start resumes from the checkpoint', async () => {
    const { file, db } = library('crash')
    const options = { ...common, epochs: 4 }
    const h = startTrainingProcess({
      dbPath: file,
      options,
      onProgress: (p) => {
        if (p.step === 5) process.kill(h.pid!, 'SIGKILL')
      },
    })
    const err = await h.result.then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(TrainingProcessCrashedError)
    expect(err).toMatchObject({ signal: 'SIGKILL', message: expect.stringMatching(/signal SIGKILL/) })
    const [interrupted] = listVersions(db)
    expect(interrupted?.state).toBe('training')

    const steps: number[] = []
    const r = await startTrainingProcess({ dbPath: file, options, onProgress: (p) => steps.push(p.step) }).result
    expect(r.version.id).toBe(interrupted!.id)
    expect(steps[0]).toBeGreaterThanOrEqual(2) // not from scratch: from a checkpoint (every 2 steps)
    expect(steps.at(-1)).toBe(7)
    expect(getVersion(db, r.version.id)?.state).toBe('ready')
    expect((r.version.metrics as { resumed_from_step: number }).resumed_from_step).toBe(steps[0])
    db.close()
  }, 300_000)
})
