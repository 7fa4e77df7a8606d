// The engine while watching: files and folders appearing, moving and
// disappearing under a library root, and the root itself going away.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writeJpeg, writePhotoFolder } from '../../../../test/helpers/photo-folders.ts'
import { testLibrary, until, type TestLibrary } from '../../../../test/helpers/library-engine.ts'

let lib: TestLibrary | null = null
afterEach(async () => {
  await lib?.close()
  lib = null
})

async function watching(setup: (dir: string) => Promise<unknown> = async () => undefined): Promise<TestLibrary> {
  lib = await testLibrary()
  await fs.mkdir(lib.photos, { recursive: true })
  await setup(lib.photos)
  await lib.engine.start({ watch: true })
  await lib.engine.roots.add(lib.photos)
  await lib.engine.jobs.whenIdle()
  return lib
}

const present = (l: TestLibrary) => l.engine.photos.list().filter((p) => !p.missing)

describe('watching a library folder', () => {
  it('indexes a photo that appears, and ignores non-images and hidden folders', async () => {
    const l = await watching()
    const added: number[] = []
    l.engine.events.on('photos.added', (e) => added.push(...e.ids))
    // What must be ignored is written first, and a photo after it in each place:
    // once the later photos are indexed, the earlier files' events have come and gone.
    await fs.mkdir(path.join(l.photos, 'new'), { recursive: true })
    await fs.writeFile(path.join(l.photos, 'new', 'notes.txt'), 'ignore me')
    await writeJpeg(path.join(l.photos, '.cache', 'hidden.jpg'), { seed: 10 })
    await writeJpeg(path.join(l.photos, 'new', 'arrived.jpg'), { seed: 9 })
    await writeJpeg(path.join(l.photos, 'after-hidden.jpg'), { seed: 11 })
    const names = (): string[] =>
      l.engine.photos
        .list()
        .flatMap((p) => p.paths.map((x) => path.relative(l.photos, x.path).split(path.sep).join('/')))
        .sort()
    await until(() => l.engine.photos.list().filter((p) => p.status === 'thumbnailed').length === 2, 'the new photos to be thumbnailed')
    await l.engine.jobs.whenIdle()
    expect(names()).toEqual(['after-hidden.jpg', 'new/arrived.jpg'])
    expect(added).toHaveLength(2)
  })

  it('keeps a photo (id and caption) that is renamed while watched', async () => {
    const l = await watching((dir) => writePhotoFolder(dir, 2))
    const p = l.engine.photos.list().find((x) => x.paths[0]!.path.endsWith('photo-00000.jpg'))!
    l.engine.captions.set(p.id, 'renamed later')
    await fs.rename(path.join(l.photos, 'photo-00000.jpg'), path.join(l.photos, 'renamed.jpg'))
    await until(() => l.engine.photos.get(p.id)!.paths.some((x) => x.present && x.path.endsWith('renamed.jpg')), 'the rename to be seen')
    expect(l.engine.photos.get(p.id)).toMatchObject({ caption: 'renamed later', missing: false })
    expect(l.engine.photos.list()).toHaveLength(2)
  })

  it('marks photos missing when their folder is removed while watched', async () => {
    const l = await watching(async (dir) => {
      await writePhotoFolder(path.join(dir, 'trip'), 3)
      await writeJpeg(path.join(dir, 'stay.jpg'), { seed: 50 })
    })
    expect(present(l)).toHaveLength(4)
    await fs.rm(path.join(l.photos, 'trip'), { recursive: true })
    await until(() => l.engine.status().missing === 3, 'three photos to be marked missing')
    expect(present(l).map((p) => path.basename(p.paths[0]!.path))).toEqual(['stay.jpg'])
  })

  it('keeps everything when the whole root disappears (unplugged disk) and picks up again when it returns', async () => {
    const l = await watching((dir) => writePhotoFolder(dir, 3))
    const moved = `${l.photos}-away`
    await fs.rename(l.photos, moved)
    await until(() => l.engine.roots.list()[0]!.available === false, 'the root to be marked unavailable')
    expect(l.engine.photos.list()).toHaveLength(3) // nothing forgotten
    await fs.rename(moved, l.photos)
    await until(() => l.engine.roots.list()[0]!.available === true, 'the root to come back')
    await l.engine.jobs.whenIdle()
    // Watching again: a new file is seen.
    await writeJpeg(path.join(l.photos, 'after-return.jpg'), { seed: 77 })
    await until(() => l.engine.photos.list().length === 4 && l.engine.status().missing === 0, 'the new photo after the return')
  })
})

describe('polling (network and removable disks)', () => {
  it('sees new files in a root that is polled instead of watched with OS events', async () => {
    lib = await testLibrary()
    await fs.mkdir(lib.photos, { recursive: true })
    await lib.engine.start({ watch: true })
    await lib.engine.roots.add(lib.photos, { usePolling: true })
    expect(lib.engine.roots.list()[0]!.usePolling).toBe(true)
    await lib.engine.jobs.whenIdle()
    await writeJpeg(path.join(lib.photos, 'polled.jpg'), { seed: 5 })
    const l = lib
    await until(() => l.engine.photos.list()[0]?.status === 'thumbnailed', 'the polled file to be indexed')
  })
})

describe('watching through symbolic links ([Note: symbolic links] in library/scanner.ts)', () => {
  const rels = (l: TestLibrary) =>
    present(l)
      .flatMap((p) => p.paths.filter((x) => x.present).map((x) => path.relative(l.photos, x.path)))
      .sort()

  it('sees a photo added later inside a folder linked from another disk, under the path through the link', async () => {
    let disk = ''
    const l = await watching(async (dir) => {
      disk = path.join(path.dirname(dir), 'other-disk')
      await writeJpeg(path.join(disk, 'DCIM', 'first.jpg'), { seed: 21 })
      await fs.symlink(path.join(disk, 'DCIM'), path.join(dir, 'Phone'))
    })
    expect(rels(l)).toEqual(['Phone/first.jpg'])
    await writeJpeg(path.join(disk, 'DCIM', '100APPLE', 'later.jpg'), { seed: 22 })
    await until(() => rels(l).includes('Phone/100APPLE/later.jpg'), 'the photo in the linked folder to be indexed')
    await l.engine.jobs.whenIdle()
    expect(l.engine.photos.list().find((p) => p.paths.some((x) => x.path.endsWith('later.jpg')))!.status).toBe('thumbnailed')
  })

  it('starts watching a tree with loops (link to the root, to a parent, a two-link cycle) and gives a new photo one path only', async () => {
    const l = await watching(async (dir) => {
      const out = path.join(path.dirname(dir), 'elsewhere')
      await writeJpeg(path.join(dir, '2019', 'beach.jpg'), { seed: 31 })
      await fs.symlink(dir, path.join(dir, '2019', 'to-root'))
      await fs.symlink('..', path.join(dir, '2019', 'up'))
      await fs.symlink(path.join(dir, '2019'), path.join(dir, 'favourites'))
      await writeJpeg(path.join(out, 'A', 'x.jpg'), { seed: 32 })
      await fs.mkdir(path.join(out, 'B'))
      await fs.symlink(path.join(out, 'B'), path.join(out, 'A', 'b'))
      await fs.symlink(path.join(out, 'A'), path.join(out, 'B', 'a'))
      await fs.symlink(path.join(out, 'A'), path.join(dir, 'a'))
    })
    expect(rels(l)).toEqual(['2019/beach.jpg', 'a/x.jpg'])
    await writeJpeg(path.join(l.photos, '2019', 'new.jpg'), { seed: 33 })
    await writeJpeg(path.join(path.dirname(l.photos), 'elsewhere', 'B', 'y.jpg'), { seed: 34 })
    await until(() => rels(l).includes('2019/new.jpg') && rels(l).includes('a/b/y.jpg'), 'both new photos to be indexed')
    // A later photo in each aliased folder: once they are indexed, the events
    // the first two could raise through a loop or alias path have arrived too.
    await writeJpeg(path.join(l.photos, '2019', 'later.jpg'), { seed: 35 })
    await writeJpeg(path.join(path.dirname(l.photos), 'elsewhere', 'B', 'later.jpg'), { seed: 36 })
    await until(() => rels(l).includes('2019/later.jpg') && rels(l).includes('a/b/later.jpg'), 'the later photos to be indexed')
    await l.engine.jobs.whenIdle()
    expect(rels(l)).toEqual(['2019/beach.jpg', '2019/later.jpg', '2019/new.jpg', 'a/b/later.jpg', 'a/b/y.jpg', 'a/x.jpg'])
  })

  it('starts watching past broken links (gone, looping on itself) without an engine error', async () => {
    lib = await testLibrary()
    const l = lib
    await writeJpeg(path.join(l.photos, 'fine.jpg'), { seed: 41 })
    await fs.symlink(path.join(l.dir, 'unplugged'), path.join(l.photos, 'Phone'))
    await fs.symlink(path.join(l.photos, 'knot'), path.join(l.photos, 'knot'))
    const errors: string[] = []
    l.engine.events.on('engine.errored', (e) => errors.push(e.message))
    await l.engine.start({ watch: true })
    await l.engine.roots.add(l.photos)
    await l.engine.jobs.whenIdle()
    await writeJpeg(path.join(l.photos, 'later.jpg'), { seed: 42 })
    await until(() => rels(l).includes('later.jpg'), 'a new photo next to the broken links')
    expect(rels(l)).toEqual(['fine.jpg', 'later.jpg'])
    expect(errors).toEqual([])
    const scanErrors = JSON.parse(l.engine.db.raw.prepare(`SELECT scan_errors FROM roots`).pluck().get() as string) as { path: string }[]
    expect(scanErrors.map((e) => path.basename(e.path))).toEqual(['Phone', 'knot'])
  })

  it('indexes and watches a linked disk that is mounted after watching started', async () => {
    const disk = path.join(path.dirname((lib = await testLibrary()).photos), 'phone-disk')
    const l = lib
    await writeJpeg(path.join(l.photos, 'home.jpg'), { seed: 51 })
    await fs.symlink(disk, path.join(l.photos, 'Phone'))
    await l.engine.start({ watch: true })
    await l.engine.roots.add(l.photos)
    await l.engine.jobs.whenIdle()
    expect(rels(l)).toEqual(['home.jpg'])
    // The disk appears (its mount point resolves): the periodic check finds the link, rescans, watches it.
    await writeJpeg(path.join(`${disk}-mounting`, 'IMG_1.jpg'), { seed: 52 })
    await fs.rename(`${disk}-mounting`, disk)
    await until(() => rels(l).includes('Phone/IMG_1.jpg'), 'the photo on the newly mounted disk to be indexed')
    await l.engine.jobs.whenIdle()
    expect(JSON.parse(l.engine.db.raw.prepare(`SELECT scan_errors FROM roots`).pluck().get() as string)).toEqual([])
    // And it is watched now: a photo taken later shows up without a rescan.
    await writeJpeg(path.join(disk, 'IMG_2.jpg'), { seed: 53 })
    await until(() => rels(l).includes('Phone/IMG_2.jpg'), 'a later photo on that disk to be indexed by the watcher')
  })
})
