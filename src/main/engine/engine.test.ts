// The library engine without ML: scanning, identity, moves, missing files,
// EXIF import, thumbnails, bad input. (Indexing with the real ML service is in
// engine-ml.test.ts.)
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { bombPng, jpegBytes, runningAsRoot, snapshotFiles, writeJpeg, writePhotoFolder } from '../../../test/helpers/photo-folders.ts'
import { indexedLibrary, photoNamed, testLibrary, type TestLibrary } from '../../../test/helpers/library-engine.ts'

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/library')

let lib: TestLibrary | null = null
afterEach(async () => {
  await lib?.close()
  lib = null
})

const indexed = async (setup: (photos: string) => Promise<void>, extra: Parameters<typeof testLibrary>[0] = {}): Promise<TestLibrary> =>
  (lib = await indexedLibrary(setup, extra))

describe('indexing a folder', () => {
  it('finds every photo, reads EXIF, imports descriptions as user captions and makes thumbnails', async () => {
    const l = await indexed(async (dir) => {
      await writePhotoFolder(dir, 5, { perFolder: 2 })
      for (const f of ['exif-full.jpg', 'alt-text.jpg', 'camera-boilerplate.jpg']) await fs.copyFile(path.join(fixtures, f), path.join(dir, f))
    })
    const all = l.engine.photos.list()
    expect(all).toHaveLength(8)
    expect(all.every((p) => p.status === 'thumbnailed' && p.error === null)).toBe(true)
    const exif = l.engine.photos.get(photoNamed(l, 'exif-full.jpg')!.id)!
    expect(exif).toMatchObject({
      cameraMake: 'Canon',
      cameraModel: 'Canon EOS 5D',
      orientation: 6,
      width: 20,
      height: 40,
      caption: 'Grandma blowing out the candles',
      provenance: 'user',
    })
    expect(exif.gpsLat).toBeCloseTo(48.8584, 3)
    expect(l.engine.captions.history(exif.id)[0]).toMatchObject({ provenance: 'user', source: 'file', current: true })
    expect(photoNamed(l, 'alt-text.jpg')!.caption).toBe('Two children holding a kite')
    expect(photoNamed(l, 'camera-boilerplate.jpg')!.caption).toBeNull()
    for (const p of all) {
      // Ingest makes the grid thumbnail; the 960 px preview is made on the first view, then cached.
      await expect(fs.stat(l.engine.photos.thumbnailPath(p.id, 'small')!)).resolves.toBeTruthy()
      await expect(fs.stat(l.engine.photos.thumbnailPath(p.id, 'large')!)).rejects.toThrow(/ENOENT/)
      const [first, second] = await Promise.all([l.engine.photos.preview(p.id), l.engine.photos.preview(p.id)])
      expect(first).toBe(l.engine.photos.thumbnailPath(p.id, 'large'))
      expect(second).toBe(first)
      await expect(fs.stat(first!)).resolves.toBeTruthy()
    }
  })

  it('does only new or changed work when run again', async () => {
    const l = await indexed((dir) => writePhotoFolder(dir, 6).then(() => undefined))
    const ids = l.engine.photos
      .list()
      .map((p) => p.id)
      .sort()
    const engine = await l.reopen()
    const kinds: string[] = []
    let drained: { done: number } | null = null
    engine.events.on('jobs.progressed', (p) =>
      kinds.push(
        ...Object.entries(p.byKind)
          .filter(([, c]) => c.running > 0)
          .map(([k]) => k),
      ),
    )
    engine.events.on('jobs.drained', (d) => (drained = d))
    await engine.start()
    await engine.jobs.whenIdle()
    expect(drained).toEqual({ done: 1, failed: 0 }) // the scan, nothing else
    await writeJpeg(path.join(l.photos, 'new.jpg'), { seed: 999 })
    engine.roots.rescan()
    await engine.jobs.whenIdle()
    expect(
      engine.photos
        .list()
        .map((p) => p.id)
        .sort(),
    ).toEqual([...ids, Math.max(...ids) + 1].sort())
  })

  it('never changes an original: bytes, mtime and mode stay the same', async () => {
    let before: Awaited<ReturnType<typeof snapshotFiles>> | null = null
    const l = await indexed(async (dir) => {
      await writePhotoFolder(dir, 4, { orientation: 6 })
      await fs.copyFile(path.join(fixtures, 'exif-full.jpg'), path.join(dir, 'exif-full.jpg'))
      await fs.writeFile(path.join(dir, 'bad.jpg'), 'not an image')
      before = await snapshotFiles(dir)
    })
    l.engine.captions.set(l.engine.photos.list()[0]!.id, 'a user caption never goes into the file')
    const after = await snapshotFiles(l.photos)
    expect([...after.keys()].sort()).toEqual([...before!.keys()].sort())
    for (const [file, b] of before!) {
      const a = after.get(file)!
      expect(a.bytes.equals(b.bytes), file).toBe(true)
      expect(a.mtimeMs, file).toBe(b.mtimeMs)
      expect(a.mode, file).toBe(b.mode)
    }
  })

  it('handles unicode, spaces and newlines in names', async () => {
    const names = ['Ünïcödé 照片.jpg', 'with spaces .jpg', 'new\nline.jpg', 'emoji 🎉.JPG']
    const l = await indexed(async (dir) => {
      for (const [i, n] of names.entries()) await writeJpeg(path.join(dir, 'sub folder é', n), { seed: 100 + i })
    })
    const paths = l.engine.photos.list().flatMap((p) => p.paths.map((x) => path.basename(x.path)))
    expect(paths.sort()).toEqual([...names].sort())
    expect(l.engine.photos.list().every((p) => p.status === 'thumbnailed')).toBe(true)
    const id = l.engine.photos.idByPath(path.join(l.photos, 'sub folder é', 'new\nline.jpg'))
    expect(id).not.toBeNull()
  })

  it('skips hidden and system folders, honours exclusion patterns and survives a symlink loop', async () => {
    lib = await testLibrary()
    const dir = lib.photos
    await writeJpeg(path.join(dir, 'keep.jpg'), { seed: 1 })
    await writeJpeg(path.join(dir, '.hidden', 'no.jpg'), { seed: 2 })
    await writeJpeg(path.join(dir, '@eaDir', 'no.jpg'), { seed: 3 })
    await writeJpeg(path.join(dir, '$RECYCLE.BIN', 'no.jpg'), { seed: 4 })
    await writeJpeg(path.join(dir, 'raw', 'no.jpg'), { seed: 5 })
    await writeJpeg(path.join(dir, 'a', 'draft.tmp.jpg'), { seed: 6 })
    await writeJpeg(path.join(dir, 'a', 'keep2.jpg'), { seed: 7 })
    await fs.writeFile(path.join(dir, 'notes.txt'), 'not a photo')
    await fs.symlink(dir, path.join(dir, 'a', 'loop'))
    await fs.symlink(path.join(dir, 'keep.jpg'), path.join(dir, 'a', 'link-to-keep.jpg'))
    await lib.engine.start()
    await lib.engine.roots.add(dir, { exclude: ['raw/', '*.tmp.jpg'] })
    await lib.engine.jobs.whenIdle()
    const all = lib.engine.photos.list()
    const names = all.flatMap((p) => p.paths.map((x) => path.relative(dir, x.path))).sort()
    expect(names).toEqual(['a/keep2.jpg', 'a/link-to-keep.jpg', 'keep.jpg'])
    // The file link is the same content as keep.jpg: one photo, two paths.
    expect(all).toHaveLength(2)
  })
})

describe('identity by content', () => {
  it('keeps captions and id when a photo is renamed or moved', async () => {
    const l = await indexed((dir) => writePhotoFolder(dir, 3).then(() => undefined))
    const photo = photoNamed(l, 'photo-00001.jpg')!
    l.engine.captions.set(photo.id, 'my cat on the sofa')
    await fs.mkdir(path.join(l.photos, 'moved'))
    await fs.rename(path.join(l.photos, 'photo-00001.jpg'), path.join(l.photos, 'moved', 'renamed.jpg'))
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    const after = l.engine.photos.get(photo.id)!
    expect(after.caption).toBe('my cat on the sofa')
    expect(after.provenance).toBe('user')
    expect(after.missing).toBe(false)
    expect(after.paths.find((p) => p.present)!.path).toBe(path.join(l.photos, 'moved', 'renamed.jpg'))
    expect(l.engine.photos.list()).toHaveLength(3)
  })

  it('treats a copy as the same photo with two paths', async () => {
    const l = await indexed(async (dir) => {
      await writeJpeg(path.join(dir, 'a.jpg'), { seed: 5 })
      await fs.copyFile(path.join(dir, 'a.jpg'), path.join(dir, 'copy of a.jpg'))
    })
    const all = l.engine.photos.list()
    expect(all).toHaveLength(1)
    expect(all[0]!.paths.map((p) => path.basename(p.path)).sort()).toEqual(['a.jpg', 'copy of a.jpg'])
  })

  it('tells apart files that share size, head and tail (full hash on collision)', async () => {
    const l = await indexed(async (dir) => {
      const big = Buffer.alloc(400_000, 1)
      await fs.writeFile(path.join(dir, 'one.jpg'), big)
      big[200_000] = 2
      await fs.writeFile(path.join(dir, 'two.jpg'), big)
    })
    expect(l.engine.photos.list()).toHaveLength(2)
  })

  it('re-indexes a changed file, keeping a user caption', async () => {
    const l = await indexed((dir) => writeJpeg(path.join(dir, 'edit.jpg'), { seed: 1, width: 64 }).then(() => undefined))
    const photo = l.engine.photos.list()[0]!
    l.engine.captions.set(photo.id, 'before the edit')
    const oldThumb = l.engine.photos.thumbnailPath(photo.id, 'small')
    await writeJpeg(path.join(l.photos, 'edit.jpg'), { seed: 2, width: 80 })
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    const after = l.engine.photos.get(photo.id)!
    expect(after).toMatchObject({ width: 80, caption: 'before the edit', provenance: 'user', status: 'thumbnailed' })
    expect(l.engine.photos.thumbnailPath(photo.id, 'small')).not.toBe(oldThumb)
  })

  it('marks a deleted file missing, keeps its data, and recognises it when it comes back', async () => {
    const l = await indexed((dir) => writePhotoFolder(dir, 2).then(() => undefined))
    const photo = photoNamed(l, 'photo-00000.jpg')!
    l.engine.captions.set(photo.id, 'kept while away')
    const file = path.join(l.photos, 'photo-00000.jpg')
    const bytes = await fs.readFile(file)
    await fs.rm(file)
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    expect(l.engine.photos.get(photo.id)).toMatchObject({ missing: true, caption: 'kept while away' })
    expect(l.engine.photos.get(photo.id)!.paths[0]!.missingSince).toBeGreaterThan(0)
    expect(l.engine.status().missing).toBe(1)
    // Back (a remounted disk, a restored backup): same photo, same caption.
    await fs.writeFile(file, bytes)
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    expect(l.engine.photos.get(photo.id)).toMatchObject({ missing: false, caption: 'kept while away' })
  })

  it('shows the thumbnail as the preview while the original is away', async () => {
    const l = await indexed((dir) => writePhotoFolder(dir, 2).then(() => undefined))
    const [a, b] = ['photo-00000.jpg', 'photo-00001.jpg'].map((n) => photoNamed(l, n)!)
    // Gone but not yet noticed (the decode fails), and gone and marked missing.
    await fs.rm(path.join(l.photos, 'photo-00000.jpg'))
    expect(await l.engine.photos.preview(a!.id)).toBe(l.engine.photos.thumbnailPath(a!.id, 'small'))
    await fs.rm(path.join(l.photos, 'photo-00001.jpg'))
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    expect(l.engine.photos.get(b!.id)).toMatchObject({ missing: true })
    expect(await l.engine.photos.preview(b!.id)).toBe(l.engine.photos.thumbnailPath(b!.id, 'small'))
    expect(await l.engine.photos.preview(999_999)).toBeNull()
  })

  it('forgets a missing photo only after the grace period', async () => {
    const l = await indexed((dir) => writePhotoFolder(dir, 2).then(() => undefined))
    const photo = photoNamed(l, 'photo-00000.jpg')!
    for (const p of l.engine.photos.list()) await l.engine.photos.preview(p.id) // both sizes cached for both photos
    await fs.rm(path.join(l.photos, 'photo-00000.jpg'))
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    let engine = await l.reopen()
    await engine.start()
    await engine.jobs.whenIdle()
    expect(engine.photos.get(photo.id)).not.toBeNull() // 30 days by default
    engine.settings.set({ missingGraceDays: 0 })
    engine = await l.reopen()
    const removed: number[] = []
    engine.events.on('photos.removed', (e) => removed.push(...e.ids))
    await engine.start()
    expect(removed).toEqual([photo.id])
    expect(engine.photos.get(photo.id)).toBeNull()
    expect(engine.photos.thumbnailPath(photo.id, 'small')).toBeNull()
    expect(await fs.readdir(path.join(l.cacheDir, 'thumbnails'), { recursive: true }).then((f) => f.filter((n) => n.endsWith('.jpg')).length)).toBe(2) // the other photo's two sizes
    expect(engine.photos.list()).toHaveLength(1)
  })
})

describe('bad input', () => {
  it('gives every bad file a status and a reason, and the run goes on', async () => {
    const l = await indexed(async (dir) => {
      await writePhotoFolder(dir, 3)
      const good = await jpegBytes({ width: 200, height: 150, seed: 42 })
      await fs.writeFile(path.join(dir, 'truncated.jpg'), good.subarray(0, Math.floor(good.length / 2)))
      const corrupt = Buffer.from(good)
      corrupt.fill(0x41, 2, 300)
      await fs.writeFile(path.join(dir, 'corrupt.jpg'), corrupt)
      await fs.writeFile(path.join(dir, 'empty.jpg'), '')
      await fs.writeFile(path.join(dir, 'actually-text.png'), 'hello, I am a text file\n')
      await fs.writeFile(path.join(dir, 'bomb.png'), await bombPng(50_000))
    })
    const reasons = Object.fromEntries(l.engine.photos.list().map((p) => [path.basename(p.paths[0]!.path), [p.status, p.error]]))
    expect(reasons['truncated.jpg']).toEqual(['failed', expect.stringMatching(/^cannot decode image: .*(premature end|truncated)/i)])
    expect(reasons['corrupt.jpg']).toEqual(['failed', expect.stringMatching(/^not a readable image: /)])
    expect(reasons['empty.jpg']).toEqual(['failed', 'empty file (0 bytes)'])
    expect(reasons['actually-text.png']).toEqual(['failed', expect.stringMatching(/^not a readable image: /)])
    expect(reasons['bomb.png']).toEqual(['failed', expect.stringMatching(/^image is 50000x50000 .* pixel limit$/)])
    expect(Object.values(reasons).filter(([s]) => s === 'thumbnailed')).toHaveLength(3)
    const failures = l.engine.jobs.failures()
    expect(failures).toHaveLength(5)
    expect(failures.every((f) => f.path && f.error)).toBe(true)
  })

  it('a file fixed later is indexed on the next scan', async () => {
    const good = await jpegBytes({ width: 200, height: 150, seed: 43 })
    const l = await indexed((dir) => fs.writeFile(path.join(dir, 'partial.jpg'), good.subarray(0, 300)))
    const id = l.engine.photos.list()[0]!.id
    expect(l.engine.photos.get(id)!.status).toBe('failed')
    await fs.writeFile(path.join(l.photos, 'partial.jpg'), good)
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    expect(l.engine.photos.get(id)).toMatchObject({ status: 'thumbnailed', error: null, width: 200 })
  })

  it('reports an unreadable folder and keeps what was indexed under it (injected EACCES)', async () => {
    // Tests run as root here, where chmod denies nothing: inject the error the OS would give.
    let deny = false
    const walkFs = {
      readdir: async (dir: string) => {
        if (deny && path.basename(dir) === 'private') throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' })
        return fs.readdir(dir, { withFileTypes: true })
      },
      stat: (f: string) => fs.stat(f),
    }
    const l = await indexed(
      async (dir) => {
        await writeJpeg(path.join(dir, 'private', 'p.jpg'), { seed: 1 })
        await writeJpeg(path.join(dir, 'public.jpg'), { seed: 2 })
      },
      { walkFs },
    )
    expect(l.engine.photos.list()).toHaveLength(2)
    deny = true
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    expect(l.engine.status().missing).toBe(0) // not "deleted": just unreadable right now
    const errors = l.engine.db.raw.prepare(`SELECT scan_errors FROM roots`).pluck().get() as string
    expect(JSON.parse(errors)).toEqual([{ path: path.join(l.photos, 'private'), kind: 'folder', error: 'cannot read folder: permission denied (EACCES)' }])
  })

  it('gives an unreadable file a status and a reason after bounded retries (injected EACCES)', async () => {
    const { fastIdentity } = await import('./library/identity.ts')
    let calls = 0
    const identify = async (file: string) => {
      if (path.basename(file) === 'locked.jpg') {
        calls++
        throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' })
      }
      return fastIdentity(file)
    }
    const l = await indexed(
      async (dir) => {
        await writeJpeg(path.join(dir, 'locked.jpg'), { seed: 1 })
        await writeJpeg(path.join(dir, 'fine.jpg'), { seed: 2 })
      },
      { identify },
    )
    expect(calls).toBe(3)
    expect(photoNamed(l, 'locked.jpg')).toMatchObject({ status: 'failed', error: 'cannot read file: permission denied (EACCES)' })
    expect(photoNamed(l, 'fine.jpg')!.status).toBe('thumbnailed')
  })

  it.skipIf(runningAsRoot)('reports a file and a folder the OS will not let us read (chmod; skipped as root, where chmod denies nothing)', async () => {
    const l = await indexed(async (dir) => {
      await writeJpeg(path.join(dir, 'locked.jpg'), { seed: 1 })
      await writeJpeg(path.join(dir, 'closed', 'x.jpg'), { seed: 2 })
      await fs.chmod(path.join(dir, 'locked.jpg'), 0)
      await fs.chmod(path.join(dir, 'closed'), 0)
    })
    expect(photoNamed(l, 'locked.jpg')).toMatchObject({ status: 'failed', error: expect.stringMatching(/permission denied/) })
    expect(l.engine.status().roots[0]).toBeTruthy()
    await fs.chmod(path.join(l.photos, 'closed'), 0o755)
  })

  it('a file being written while scanned ends up indexed once complete', async () => {
    lib = await testLibrary()
    const file = path.join(lib.photos, 'copying.jpg')
    const full = await jpegBytes({ width: 300, height: 200, seed: 77 })
    await fs.mkdir(lib.photos, { recursive: true })
    await fs.writeFile(file, full.subarray(0, 200))
    await lib.engine.start({ watch: true })
    await lib.engine.roots.add(lib.photos)
    // Keep writing while the scan and the watcher look at it.
    const handle = await fs.open(file, 'a')
    for (let off = 200; off < full.length; off += 500) {
      await handle.write(full.subarray(off, Math.min(full.length, off + 500)))
      await new Promise((r) => setTimeout(r, 15))
    }
    await handle.close()
    const l = lib
    const { until } = await import('../../../test/helpers/library-engine.ts')
    await until(() => l.engine.photos.list()[0]?.status === 'thumbnailed', 'the finished file to be indexed')
    expect(l.engine.photos.list()).toHaveLength(1)
    expect(l.engine.photos.list()[0]).toMatchObject({ width: 300, height: 200, error: null })
  })
})

describe('controlling the queue', () => {
  it('pauses, resumes and reports progress with done/total, rate and ETA', async () => {
    lib = await testLibrary()
    await writePhotoFolder(lib.photos, 40)
    const progress: { done: number; total: number; rate: number; etaSeconds: number | null }[] = []
    lib.engine.events.on('jobs.progressed', (p) => progress.push(p))
    await lib.engine.start()
    lib.engine.jobs.pause()
    await lib.engine.roots.add(lib.photos)
    // roots.add queued the scan and woke the runner; a runner that ignored the
    // pause claims the job synchronously once woken (before any I/O), so one
    // turn of the event loop proves it did not, however slow the machine.
    await new Promise((r) => setImmediate(r))
    expect(lib.engine.photos.count()).toBe(0)
    expect(lib.engine.jobs.status()).toMatchObject({ paused: true, byKind: { scan: { queued: 1, running: 0 } } })
    lib.engine.jobs.resume()
    await lib.engine.jobs.whenIdle()
    expect(lib.engine.photos.count()).toBe(40)
    const working = progress.filter((p) => p.done > 0)
    expect(working.length).toBeGreaterThan(1)
    const last = working.at(-1)!
    expect(last.done).toBe(last.total) // 1 scan + 40 ingest + 40 thumbnail
    expect(last.total).toBe(81)
    expect(working.some((p) => p.rate > 0 && p.etaSeconds !== null && p.done < p.total)).toBe(true)
    for (let i = 1; i < working.length; i++) expect(working[i]!.done).toBeGreaterThanOrEqual(working[i - 1]!.done)
  })

  it('cancels queued work; a rescan brings it back', async () => {
    lib = await testLibrary()
    await writePhotoFolder(lib.photos, 30)
    await lib.engine.start()
    lib.engine.jobs.pause()
    await lib.engine.roots.add(lib.photos)
    expect(lib.engine.jobs.cancel()).toBe(1) // the scan
    lib.engine.jobs.resume()
    await lib.engine.jobs.whenIdle()
    expect(lib.engine.photos.count()).toBe(0)
    lib.engine.roots.rescan()
    await lib.engine.jobs.whenIdle()
    expect(lib.engine.photos.count()).toBe(30)
  })

  it('removing a root forgets its photos', async () => {
    const l = await indexed((dir) => writePhotoFolder(dir, 3).then(() => undefined))
    const removed: number[] = []
    l.engine.events.on('photos.removed', (e) => removed.push(...e.ids))
    await l.engine.roots.remove(l.engine.roots.list()[0]!.id)
    expect(l.engine.roots.list()).toEqual([])
    expect(l.engine.photos.count()).toBe(0)
    expect(removed).toHaveLength(3)
    await expect(l.engine.roots.add(path.join(l.dir, 'nope'))).rejects.toThrow(/no such folder/)
    // Their thumbnails leave the cache.
    const left = await fs.readdir(path.join(l.cacheDir, 'thumbnails'), { recursive: true, withFileTypes: true })
    expect(left.filter((e) => e.isFile())).toEqual([])
  })
})
