// Training survives kill -9: a child process trains from the library, is killed
// with SIGKILL after its first checkpoints, and a second run with the same
// parameters resumes from the last checkpoint and finishes the same version.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.ts'
import { ensureTinyPack } from '../../ml/packs/tiny-pack.ts'
import { mulberry32 } from '../../ml/training/dataset.ts'
import { listVersions } from './versions.ts'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const WORKER = path.join(HERE, 'kill-resume.worker.ts')

function startWorker(args: string[], onLine: (line: Record<string, unknown>) => void): { done: Promise<number | null>; kill(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(HERE, '../../../..') })
  let buf = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (line.startsWith('{')) onLine(JSON.parse(line) as Record<string, unknown>)
    }
  })
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const done = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(err)
      resolve(code)
    }),
  )
  return { done, kill: () => child.kill('SIGKILL') }
}

describe('training and kill -9', () => {
  it('resumes from the last checkpoint after SIGKILL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-train-'))
    const pack = ensureTinyPack({ dir: path.join(dir, 'tiny') })
    const dbFile = path.join(dir, 'lib.db')
    const db = openDatabase(dbFile)
    const rnd = mulberry32(5)
    const now = Date.now()
    const caps = ['a red circle.', 'a blue square.', 'a green triangle.']
    for (let i = 0; i < 36; i++) {
      const id = Number(db.stmt(`INSERT INTO photos (status, added_at, updated_at) VALUES ('captioned', ?, ?)`).run(now, now).lastInsertRowid)
      const v = Float32Array.from({ length: 16 }, (_, k) => (k % 3 === i % 3 ? 2 : 0) + rnd() * 0.1)
      db.stmt(`INSERT INTO embeddings (photo_id, model_id, dim, vector, created_at) VALUES (?, 'clip', 16, ?, ?)`).run(id, Buffer.from(v.buffer), now)
      const cid = db.stmt(`INSERT INTO captions (photo_id, text, provenance, created_at) VALUES (?, ?, 'user', ?)`).run(id, caps[i % 3], now).lastInsertRowid
      db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(cid, id)
    }
    db.close()
    const args = [dbFile, dir, pack]

    // First run: SIGKILL once step 9 is done (checkpoints were written after steps 3 and 7).
    const steps1: number[] = []
    let w1: ReturnType<typeof startWorker> | null = null
    w1 = startWorker(args, (l) => {
      if (typeof l.step === 'number') {
        steps1.push(l.step)
        if (l.step === 9) w1!.kill()
      }
    })
    expect(await w1.done).toBe(null) // killed by a signal
    expect(steps1.at(-1)).toBeGreaterThanOrEqual(9)
    const check = openDatabase(dbFile)
    const [v] = listVersions(check)
    expect(v?.state).toBe('training')
    check.close()

    const steps2: number[] = []
    let final: Record<string, unknown> | null = null
    const w2 = startWorker(args, (l) => {
      if (typeof l.step === 'number') steps2.push(l.step)
      if (l.done !== undefined) final = l
    })
    expect(await w2.done).toBe(0)
    // Resumed at a checkpoint boundary (every 4 steps) at or after step 8 and no later than the kill.
    const resumed = steps2[0]!
    expect(resumed % 4).toBe(0)
    expect(resumed).toBeGreaterThanOrEqual(8)
    expect(resumed).toBeLessThanOrEqual(steps1.at(-1)! + 1)
    expect(steps2.at(-1)).toBe(4 * 8 - 1) // 32 training captions / 8 = 4 steps per epoch, 8 epochs
    expect(final).toMatchObject({ done: v!.id, state: 'ready', resumed })
  }, 600_000)
})
