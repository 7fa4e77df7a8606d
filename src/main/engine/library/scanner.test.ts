// Walking a library root through symbolic links: linked folders (other disks)
// are walked under the path the user sees, loops end, aliases into the root
// add no second path, and links that cannot be followed are reported without
// stopping the walk. [Note: symbolic links] in scanner.ts.
import fs from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeJpeg } from '../../../../test/helpers/photo-folders.ts'
import { testLibrary, type TestLibrary } from '../../../../test/helpers/library-engine.ts'
import { compileExclusions } from './files.ts'
import { folderSkipReason, nodeWalkFs, walkRoot, type FolderStep, type ScanProblem, type WalkFs } from './scanner.ts'

let dirs: string[] = []
let lib: TestLibrary | null = null
afterEach(async () => {
  await lib?.close()
  lib = null
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true })
  dirs = []
})

/** A scratch folder with `photos/` (the root) and `elsewhere/` (another disk). */
async function scratch(): Promise<{ root: string; out: string }> {
  const d = await tempDir('photocap-walk-')
  dirs.push(d)
  const root = path.join(d, 'photos')
  const out = path.join(d, 'elsewhere')
  await fs.mkdir(root)
  await fs.mkdir(out)
  return { root, out }
}

/** The walk only looks at names and stats: any bytes do for a "photo". */
async function touch(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, path.basename(file))
}

async function walk(root: string, walkFs: WalkFs = nodeWalkFs, exclude: string[] = []): Promise<{ rels: string[]; problems: ScanProblem[] }> {
  const problems: ScanProblem[] = []
  const rels: string[] = []
  for await (const e of walkRoot(root, compileExclusions(exclude), problems, walkFs)) rels.push(e.rel)
  return { rels: rels.sort(), problems }
}

describe('walking through symbolic links', () => {
  it('walks a folder linked from outside the root, under the path through the link', async () => {
    const { root, out } = await scratch()
    await touch(path.join(root, 'home.jpg'))
    await touch(path.join(out, 'DCIM', 'IMG_1.jpg'))
    await touch(path.join(out, 'DCIM', '100APPLE', 'IMG_2.jpg'))
    await touch(path.join(out, 'DCIM', '.thumbs', 'hidden.jpg'))
    await fs.symlink(path.join(out, 'DCIM'), path.join(root, 'Phone'))
    expect(await walk(root)).toEqual({ rels: ['Phone/100APPLE/IMG_2.jpg', 'Phone/IMG_1.jpg', 'home.jpg'], problems: [] })
  })

  it('honours exclusion patterns on paths through a link', async () => {
    const { root, out } = await scratch()
    await touch(path.join(out, 'keep.jpg'))
    await touch(path.join(out, 'raw', 'no.jpg'))
    await fs.symlink(out, path.join(root, 'disk'))
    await fs.symlink(out, path.join(root, 'skipped'))
    expect((await walk(root, nodeWalkFs, ['disk/raw/', 'skipped/'])).rels).toEqual(['disk/keep.jpg'])
  })

  it('ends on a link to the root, to a parent inside the link, and to a folder above the root', async () => {
    const { root, out } = await scratch()
    await touch(path.join(root, 'a', 'one.jpg'))
    await fs.symlink(root, path.join(root, 'a', 'to-root'))
    await fs.symlink('..', path.join(root, 'a', 'up'))
    await touch(path.join(out, 'two.jpg'))
    await fs.symlink(out, path.join(root, 'ext'))
    await fs.symlink(out, path.join(out, 'self'))
    // A link to the folder holding the root: the root inside it is not walked a second time.
    await fs.symlink(path.dirname(root), path.join(root, 'above'))
    const { rels, problems } = await walk(root)
    expect(problems).toEqual([])
    expect(rels).toEqual(['a/one.jpg', 'above/elsewhere/two.jpg', 'ext/two.jpg'])
  })

  it('ends on a two-link cycle outside the root (a -> b -> a), each photo once per visible path', async () => {
    const { root, out } = await scratch()
    await touch(path.join(out, 'A', 'x.jpg'))
    await touch(path.join(out, 'B', 'y.jpg'))
    await fs.symlink(path.join(out, 'B'), path.join(out, 'A', 'b'))
    await fs.symlink(path.join(out, 'A'), path.join(out, 'B', 'a'))
    await fs.symlink(path.join(out, 'A'), path.join(root, 'a'))
    const { rels, problems } = await walk(root)
    expect(problems).toEqual([])
    expect(rels).toEqual(['a/b/y.jpg', 'a/x.jpg'])
  })

  it('gives a link into the root no second path, but follows two links to the same outside folder', async () => {
    const { root, out } = await scratch()
    await touch(path.join(root, '2019', 'beach.jpg'))
    await fs.symlink(path.join(root, '2019'), path.join(root, 'favourites'))
    await fs.symlink(path.join(root, '2019'), path.join(root, '0-first-in-name-order'))
    await touch(path.join(out, 'shared.jpg'))
    await fs.symlink(out, path.join(root, 'disk-a'))
    await fs.symlink(out, path.join(root, 'disk-b'))
    expect((await walk(root)).rels).toEqual(['2019/beach.jpg', 'disk-a/shared.jpg', 'disk-b/shared.jpg'])
  })

  it('still indexes a link to a single photo (one photo, two paths)', async () => {
    const { root, out } = await scratch()
    await touch(path.join(out, 'far.jpg'))
    await fs.symlink(path.join(out, 'far.jpg'), path.join(root, 'near.jpg'))
    expect((await walk(root)).rels).toEqual(['near.jpg'])
  })

  it('reports a link whose target is gone or loops, skips a broken photo link quietly, and goes on', async () => {
    const { root, out } = await scratch()
    await touch(path.join(root, 'fine.jpg'))
    await fs.symlink(path.join(out, 'unplugged-disk'), path.join(root, 'Phone'))
    await fs.symlink(path.join(out, 'deleted.jpg'), path.join(root, 'gone.jpg'))
    await fs.symlink(path.join(root, 'knot'), path.join(root, 'knot'))
    const { rels, problems } = await walk(root)
    expect(rels).toEqual(['fine.jpg'])
    expect(problems).toEqual(
      [
        { path: path.join(root, 'Phone'), kind: 'link', error: 'cannot follow link: no such file or folder (ENOENT)' },
        { path: path.join(root, 'knot'), kind: 'link', error: 'cannot follow link: too many symbolic links (ELOOP)' },
      ].sort((a, b) => (a.path < b.path ? -1 : 1)),
    )
  })

  it('reports a linked folder it may not read (injected EACCES: tests run as root) and goes on', async () => {
    const { root, out } = await scratch()
    await touch(path.join(root, 'fine.jpg'))
    await touch(path.join(out, 'locked', 'secret.jpg'))
    await touch(path.join(out, 'open', 'ok.jpg'))
    await fs.symlink(path.join(out, 'locked'), path.join(root, 'locked'))
    await fs.symlink(path.join(out, 'open'), path.join(root, 'open'))
    const denied = path.join(root, 'locked')
    const walkFs: WalkFs = {
      ...nodeWalkFs,
      readdir: async (dir) => {
        if (dir === denied) throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' })
        return nodeWalkFs.readdir(dir)
      },
    }
    const { rels, problems } = await walk(root, walkFs)
    expect(rels).toEqual(['fine.jpg', 'open/ok.jpg'])
    expect(problems).toEqual([{ path: denied, kind: 'folder', error: 'cannot read folder: permission denied (EACCES)' }])
  })

  it('works with a WalkFs that has no realpath (older injected seams)', async () => {
    const { root, out } = await scratch()
    await touch(path.join(out, 'x.jpg'))
    await fs.symlink(out, path.join(root, 'disk'))
    await fs.symlink(root, path.join(out, 'back'))
    const bare: WalkFs = { readdir: nodeWalkFs.readdir, stat: nodeWalkFs.stat }
    expect((await walk(root, bare)).rels).toEqual(['disk/x.jpg'])
  })
})

describe('folderSkipReason', () => {
  const root: FolderStep = { id: '1:1', real: '/pics', base: true }
  it('skips a folder that is one of its ancestors, linked or not (loop)', () => {
    expect(folderSkipReason([root], { id: '1:1', real: '/pics', base: true })).toBe('loop')
    expect(folderSkipReason([root, { id: '2:5', real: '/mnt/a', base: true }], { id: '1:1', real: '/mnt/a/bind', base: false })).toBe('loop')
  })
  it('skips a link into a walked tree (alias), follows one out of it', () => {
    expect(folderSkipReason([root], { id: '1:7', real: '/pics/2019', base: true })).toBe('alias')
    expect(folderSkipReason([root, { id: '2:5', real: '/mnt/a', base: true }], { id: '2:9', real: '/mnt/a/sub', base: true })).toBe('alias')
    expect(folderSkipReason([root], { id: '2:5', real: '/mnt/a', base: true })).toBeNull()
    expect(folderSkipReason([root], { id: '1:8', real: '/pics-old', base: true })).toBeNull() // a sibling, not inside
    expect(folderSkipReason([root], { id: '1:7', real: '/pics/2019', base: false })).toBeNull() // a plain subfolder
  })
})

describe('indexing through a linked folder', () => {
  it('indexes photos on another disk under the path through the link, and keeps them while the disk is away', async () => {
    lib = await testLibrary()
    const disk = path.join(lib.dir, 'other-disk')
    await writeJpeg(path.join(lib.photos, 'home.jpg'), { seed: 1 })
    await writeJpeg(path.join(disk, 'DCIM', 'IMG_0001.jpg'), { seed: 2 })
    await fs.symlink(path.join(disk, 'DCIM'), path.join(lib.photos, 'Phone'))
    await fs.symlink(lib.photos, path.join(disk, 'DCIM', 'back-to-pictures'))
    await lib.engine.start()
    await lib.engine.roots.add(lib.photos)
    await lib.engine.jobs.whenIdle()
    const rels = (l: TestLibrary) =>
      l.engine.photos
        .list()
        .flatMap((p) => p.paths.map((x) => path.relative(l.photos, x.path)))
        .sort()
    expect(rels(lib)).toEqual(['Phone/IMG_0001.jpg', 'home.jpg'])
    expect(lib.engine.photos.list().every((p) => p.status === 'thumbnailed' && !p.missing)).toBe(true)
    // The disk goes away (the link dangles): reported, and nothing is marked missing.
    await fs.rename(disk, `${disk}-unplugged`)
    lib.engine.roots.rescan()
    await lib.engine.jobs.whenIdle()
    expect(lib.engine.status().missing).toBe(0)
    expect(JSON.parse(lib.engine.db.raw.prepare(`SELECT scan_errors FROM roots`).pluck().get() as string)).toEqual([
      { path: path.join(lib.photos, 'Phone'), kind: 'link', error: 'cannot follow link: no such file or folder (ENOENT)' },
    ])
    // The link itself removed: its photos are gone from the library (kept for the grace period).
    await fs.rm(path.join(lib.photos, 'Phone'))
    lib.engine.roots.rescan()
    await lib.engine.jobs.whenIdle()
    expect(lib.engine.status().missing).toBe(1)
  })
})
