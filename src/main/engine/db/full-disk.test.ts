// The database's disk fills up during indexing: work stops with a clear error,
// nothing stored is lost or corrupted, and it all finishes once there is room.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../engine.ts'
import { tempDir, writeManyTinyJpegs } from '../../../../test/helpers/photo-folders.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A tiny tmpfs we can fill; null when mounting is not allowed here (not root, no CAP_SYS_ADMIN). */
async function tinyDisk(sizeKb: number): Promise<{ dir: string; grow(kb: number): void } | null> {
  const dir = await tempDir('photocap-full-')
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch {
    return null
  }
  cleanups.push(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
  })
  return { dir, grow: (kb) => execFileSync('mount', ['-o', `remount,size=${kb}k`, dir], { stdio: 'pipe' }) }
}

const canMount = await (async () => {
  const d = await tinyDisk(64)
  for (const c of cleanups.splice(0)) await c()
  return d !== null
})()

async function expectConsistent(engine: Engine, photosAtLeast: number): Promise<void> {
  expect(engine.db.raw.pragma('integrity_check', { simple: true })).toBe('ok')
  const n = engine.photos.count()
  expect(n).toBeGreaterThanOrEqual(photosAtLeast)
  const dupPaths = engine.db.raw.prepare(`SELECT count(*) FROM (SELECT root_id, rel_path FROM paths GROUP BY 1, 2 HAVING count(*) > 1)`).pluck().get()
  expect(dupPaths).toBe(0)
}

describe('a full disk for the database', () => {
  it.skipIf(!canMount)('stops with a clear error on a full filesystem, loses nothing, and finishes when space returns (tmpfs)', async () => {
    // Room for the schema after every migration (and its WAL), not for 600 photos.
    const disk = (await tinyDisk(384))!
    const work = await tempDir()
    await writeManyTinyJpegs(path.join(work, 'photos'), 600, 100)
    const engine = await createEngine({ dbPath: path.join(disk.dir, 'library.db'), dataDir: work, cacheDir: path.join(work, 'cache') })
    cleanups.push(() => engine.close())
    const errors: string[] = []
    engine.events.on('engine.errored', (e) => errors.push(e.message))
    await engine.start()
    await engine.roots.add(path.join(work, 'photos'))
    await expect(engine.jobs.whenIdle()).rejects.toThrow(/database or disk is full/)
    expect(errors.some((e) => /database or disk is full/.test(e))).toBe(true)
    const before = engine.photos.count()
    expect(before).toBeLessThan(600)
    await expectConsistent(engine, 0)
    disk.grow(64 * 1024)
    engine.jobs.resume()
    await engine.jobs.whenIdle()
    await expectConsistent(engine, 600)
    expect(engine.photos.count()).toBe(600)
    expect(engine.status().byStatus.thumbnailed).toBe(600)
  })

  it('stops on a full database (SQLite max_page_count, works without mount rights), loses nothing, and finishes after more room', async () => {
    const work = await tempDir()
    await writeManyTinyJpegs(path.join(work, 'photos'), 300, 100)
    const engine = await createEngine({ dbPath: path.join(work, 'library.db'), dataDir: work, cacheDir: path.join(work, 'cache') })
    cleanups.push(() => engine.close())
    await engine.start()
    const pages = engine.db.raw.pragma('page_count', { simple: true }) as number
    engine.db.raw.pragma(`max_page_count = ${pages + 12}`)
    await engine.roots.add(path.join(work, 'photos'))
    await expect(engine.jobs.whenIdle()).rejects.toThrow(/database or disk is full/)
    const before = engine.photos.count()
    expect(before).toBeLessThan(300)
    await expectConsistent(engine, 0)
    engine.db.raw.pragma('max_page_count = 1073741823')
    engine.jobs.resume()
    await engine.jobs.whenIdle()
    await expectConsistent(engine, 300)
    expect(engine.photos.count()).toBe(300)
    expect(engine.status().byStatus.thumbnailed).toBe(300)
  })
})
