// Kill -9 at random points during indexing (a real child process, SIGKILL),
// at least 20 times; after every restart the database must be intact, with no
// duplicate or lost photos, and in the end all work must finish.
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { tempDir, writePhotoFolder } from '../../../../test/helpers/photo-folders.ts'
import { sharedTinyDataDir } from '../../ml/pipeline/test-support.ts'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const child = path.join(repo, 'test/helpers/crash-child.ts')
const trials = 20
const photoCount = 30
const morePerRefill = 10

/** Run the child; kill it `killAfterMs` after it starts working (null = let it finish). */
function runChild(args: string[], killAfterMs: number | null): Promise<{ killed: boolean; finished: boolean; workedMs: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    let timer: NodeJS.Timeout | null = null
    let startedAt: number | null = null
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (startedAt === null && out.includes('started')) {
        startedAt = performance.now()
        if (killAfterMs !== null) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs)
      }
    })
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    p.on('error', reject)
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer)
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child exited with ${code}: ${stderr}`))
      else resolve({ killed: signal === 'SIGKILL', finished: out.includes('done'), workedMs: startedAt === null ? 0 : performance.now() - startedAt, stderr })
    })
  })
}

interface Snapshot {
  photos: Map<number, string | null>
  statuses: Record<string, number>
}

function inspect(dbPath: string): Snapshot {
  const db = new Database(dbPath)
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(db.pragma('foreign_key_check')).toEqual([])
    // No photo twice: one row per content.
    const dupContent = db
      .prepare(`SELECT count(*) FROM (SELECT 1 FROM photos WHERE fast_hash IS NOT NULL GROUP BY size, fast_hash, coalesce(full_hash, '') HAVING count(*) > 1)`)
      .pluck()
      .get()
    expect(dupContent).toBe(0)
    // No file linked twice, and no photo without a file.
    expect(db.prepare(`SELECT count(*) FROM (SELECT 1 FROM paths GROUP BY root_id, rel_path HAVING count(*) > 1)`).pluck().get()).toBe(0)
    expect(db.prepare(`SELECT count(*) FROM photos ph WHERE NOT EXISTS (SELECT 1 FROM paths p WHERE p.photo_id = ph.id)`).pluck().get()).toBe(0)
    // A photo's status never claims more than is stored.
    expect(
      db
        .prepare(
          `SELECT count(*) FROM photos ph WHERE status IN ('embedded', 'captioned') AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.photo_id = ph.id)`,
        )
        .pluck()
        .get(),
    ).toBe(0)
    expect(db.prepare(`SELECT count(*) FROM photos WHERE status = 'captioned' AND caption_id IS NULL`).pluck().get()).toBe(0)
    const rows = db.prepare(`SELECT ph.id, c.text FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id`).all() as { id: number; text: string | null }[]
    const statuses = Object.fromEntries(
      (db.prepare(`SELECT status, count(*) AS n FROM photos GROUP BY status`).all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
    )
    return { photos: new Map(rows.map((r) => [r.id, r.text])), statuses }
  } finally {
    db.close()
  }
}

it(`survives kill -9 at ${trials} random points during indexing, losing and duplicating nothing`, async () => {
  const dir = await tempDir('photocap-crash-')
  const photos = path.join(dir, 'photos')
  await writePhotoFolder(photos, photoCount, { perFolder: 10 })
  await fs.copyFile(path.join(photos, 'set-0', 'photo-00000.jpg'), path.join(photos, 'duplicate.jpg'))
  await fs.writeFile(path.join(photos, 'broken.jpg'), 'not a jpeg')
  const dbPath = path.join(dir, 'library.db')
  const args = [dbPath, photos, path.join(dir, 'cache'), sharedTinyDataDir()]
  let prev: Snapshot | null = null
  let kills = 0
  let total = photoCount
  // Deterministic "random" kill points, spread over startup, scanning, thumbnails, ML.
  // How far a run gets before its kill depends on the machine's speed, so a run
  // may finish first: then fresh photos arrive (new work in flight), the kill
  // window shrinks to how long that finished run worked (a fast, quiet machine
  // indexes ten photos well inside a fixed window), and the loop goes on until
  // `trials` real kills, whatever the machine.
  let seed = 12345
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  let killWindowMs = 1500
  for (let i = 0; kills < trials; i++) {
    expect(i, 'too many runs finished before their kill').toBeLessThan(trials * 4)
    const r = await runChild(args, Math.floor(rnd() * killWindowMs))
    if (r.killed) kills++
    else if (r.finished && r.workedMs > 0) killWindowMs = Math.max(20, Math.min(killWindowMs, r.workedMs))
    if (
      await fs.stat(dbPath).then(
        () => false,
        () => true,
      )
    )
      continue // killed before the database existed
    const snap = inspect(dbPath)
    if (prev) {
      // Nothing lost: every photo seen before is still there, with its caption if it had one.
      for (const [id, text] of prev.photos) {
        expect(snap.photos.has(id), `photo ${id} lost after trial ${i}`).toBe(true)
        if (text !== null) expect(snap.photos.get(id), `caption of ${id} lost after trial ${i}`).not.toBeNull()
      }
    }
    prev = snap
    if (r.finished) {
      await writePhotoFolder(path.join(photos, `more-${i}`), morePerRefill, { firstSeed: 1 + total })
      total += morePerRefill
    }
  }
  // Let it finish.
  const final = await runChild(args, null)
  expect(final.finished).toBe(true)
  const snap = inspect(dbPath)
  expect(snap.photos.size).toBe(total + 1) // the duplicate is the same photo; broken.jpg is its own (failed) one
  expect(snap.statuses).toEqual({ captioned: total, failed: 1 })
  const db = new Database(dbPath, { readonly: true })
  expect(db.prepare(`SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')`).pluck().get()).toBe(0)
  expect(db.prepare(`SELECT count(*) FROM paths`).pluck().get()).toBe(total + 2)
  db.close()
  await fs.rm(dir, { recursive: true, force: true })
}, 600_000)
