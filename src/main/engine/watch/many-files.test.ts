// 10,000 files appearing at once in a watched folder (tiny images, no ML).
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { writeManyTinyJpegs } from '../../../../test/helpers/photo-folders.ts'
import { testLibrary, until, type TestLibrary } from '../../../../test/helpers/library-engine.ts'

let lib: TestLibrary | null = null
afterEach(async () => {
  await lib?.close()
  lib = null
})

it('indexes 10,000 files that appear at once while watched, each exactly once', async () => {
  lib = await testLibrary()
  await fs.mkdir(lib.photos, { recursive: true })
  await lib.engine.start({ watch: true })
  await lib.engine.roots.add(lib.photos)
  await lib.engine.jobs.whenIdle()
  const staging = path.join(lib.dir, 'staging')
  await writeManyTinyJpegs(staging, 10_000)
  // Appear at once: a whole tree moved in with one rename.
  await fs.rename(staging, path.join(lib.photos, 'import'))
  const l = lib
  await until(() => l.engine.photos.count() === 10_000, '10,000 photos', 240_000)
  await l.engine.jobs.whenIdle()
  const s = l.engine.status()
  expect(s.photos).toBe(10_000)
  expect(s.byStatus.thumbnailed).toBe(10_000)
  expect(l.engine.db.raw.prepare(`SELECT count(*) FROM paths`).pluck().get()).toBe(10_000)
  expect(l.engine.db.raw.prepare(`SELECT count(*) FROM jobs`).pluck().get()).toBe(0)
}, 300_000)
