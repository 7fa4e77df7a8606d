// A library engine over temporary folders, for tests.
import fs from 'node:fs/promises'
import path from 'node:path'
import { createEngine, type Engine, type EngineOptions } from '../../src/main/engine/engine.ts'
import { tempDir } from './photo-folders.ts'

export interface TestLibrary {
  engine: Engine
  dir: string
  photos: string
  dbPath: string
  cacheDir: string
  /** Close and open the same library again (a restart). */
  reopen(extra?: Partial<EngineOptions>): Promise<Engine>
  close(): Promise<void>
}

export async function testLibrary(extra: Partial<EngineOptions> = {}): Promise<TestLibrary> {
  const dir = await tempDir('photocap-lib-')
  const base = {
    dbPath: path.join(dir, 'library.db'),
    dataDir: path.join(dir, 'data'),
    cacheDir: path.join(dir, 'cache'),
    watchStabilityMs: 150,
    rootRecheckMs: 200,
  }
  const lib: TestLibrary = {
    engine: await createEngine({ ...base, ...extra }),
    dir,
    photos: path.join(dir, 'photos'),
    dbPath: base.dbPath,
    cacheDir: base.cacheDir,
    async reopen(more = {}) {
      await lib.engine.close()
      lib.engine = await createEngine({ ...base, ...extra, ...more })
      return lib.engine
    },
    async close() {
      await lib.engine.close()
      await fs.rm(dir, { recursive: true, force: true })
    },
  }
  return lib
}

/** Resolve when `predicate` holds, polling; fail with `what` after `ms`. */
export async function until(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/**
 * A test library whose photos folder `setup` filled (the engine is given too, not
 * yet started, for settings), then started, added as a root and indexed to idle.
 */
export async function indexedLibrary(setup: (photos: string, engine: Engine) => Promise<unknown>, extra: Partial<EngineOptions> = {}): Promise<TestLibrary> {
  const lib = await testLibrary(extra)
  await fs.mkdir(lib.photos, { recursive: true })
  await setup(lib.photos, lib.engine)
  await lib.engine.start()
  await lib.engine.roots.add(lib.photos)
  await lib.engine.jobs.whenIdle()
  return lib
}

/** The library's photo with a file of this name (in any folder), if any. */
export const photoNamed = (lib: TestLibrary, name: string) => lib.engine.photos.list().find((p) => p.paths.some((x) => path.basename(x.path) === name))
