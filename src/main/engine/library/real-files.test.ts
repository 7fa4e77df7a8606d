// Ingest of files as real cameras, phones and other tools leave them: filler
// descriptions, time zones, sidecars, transparent images, BMP, decoder
// warnings, and failure reasons that belong to their own file.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { jpegBytes } from '../../../../test/helpers/photo-folders.ts'
import { indexedLibrary, photoNamed, testLibrary, until, type TestLibrary } from '../../../../test/helpers/library-engine.ts'
import { wordSearch } from '../search/word-search.ts'
import type { PhotoFilter } from '../views/photo-filter.ts'
import { scrubOtherPaths } from './images.ts'
import { exportAltText } from '../export/exporter.ts'
import { tinyMl } from '../../../../test/helpers/ml.ts'
import { dngBytes } from '../../../../test/helpers/raw-dng.ts'
import { pack12, tiff, tiffSize } from '../../../../test/helpers/tiff-bytes.ts'

const hasExiftool = ((): boolean => {
  try {
    execFileSync('exiftool', ['-ver'])
    return true
  } catch {
    return false
  }
})()
if (!hasExiftool) console.warn('real-files.test.ts: tests that tag files with exiftool are skipped (exiftool is not installed)')

let lib: TestLibrary | null = null
const savedTz = process.env.TZ
afterEach(async () => {
  await lib?.close()
  lib = null
  process.env.TZ = savedTz
})

const indexed = async (setup: (photos: string) => Promise<void>): Promise<TestLibrary> => (lib = await indexedLibrary(setup))

const tag = (file: string, ...args: string[]): void => void execFileSync('exiftool', ['-q', '-m', '-overwrite_original', ...args, file])

describe.skipIf(!hasExiftool)('descriptions and dates from real cameras', () => {
  it('never imports camera filler as a user caption, and keeps it visible as the embedded description', async () => {
    const l = await indexed(async (dir) => {
      const sanyo = path.join(dir, 'sanyo.jpg')
      await fs.writeFile(sanyo, await jpegBytes({ seed: 1 }))
      tag(sanyo, '-Make=SANYO', '-ImageDescription=SANYO DIGITAL CAMERA')
      const person = path.join(dir, 'person.jpg')
      await fs.writeFile(person, await jpegBytes({ seed: 2 }))
      tag(person, '-ImageDescription=SANYO DIGITAL CAMERA', '-XMP-dc:Description=Fish & Chips on the pier')
    })
    const sanyo = l.engine.photos.get(photoNamed(l, 'sanyo.jpg')!.id)!
    expect(sanyo.caption).toBeNull()
    expect(l.engine.captions.history(sanyo.id)).toEqual([])
    expect(sanyo).toMatchObject({ embeddedDescription: 'SANYO DIGITAL CAMERA', embeddedFiller: expect.stringMatching(/DIGITAL CAMERA/) })
    const person = l.engine.photos.get(photoNamed(l, 'person.jpg')!.id)!
    expect(person).toMatchObject({ caption: 'Fish & Chips on the pier', provenance: 'user' })
  })

  it('drops a filler caption an earlier version imported, when the file is read again', async () => {
    const l = await indexed(async (dir) => {
      const f = path.join(dir, 'konica.jpg')
      await fs.writeFile(f, await jpegBytes({ seed: 3 }))
      tag(f, '-ImageDescription=KONICA MINOLTA DIGITAL CAMERA')
    })
    const id = photoNamed(l, 'konica.jpg')!.id
    // What the old importer did: the filler as a current user caption.
    const captionId = Number(
      l.engine.db
        .stmt(`INSERT INTO captions (photo_id, text, provenance, source, created_at) VALUES (?, 'KONICA MINOLTA DIGITAL CAMERA', 'user', 'file', 1)`)
        .run(id).lastInsertRowid,
    )
    l.engine.db.stmt(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(captionId, id)
    l.engine.db.stmt(`UPDATE paths SET mtime_ms = NULL`).run()
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    expect(l.engine.photos.get(id)!.caption).toBeNull()
    expect(l.engine.captions.history(id)).toEqual([])
  })

  for (const zone of ['Asia/Tokyo', 'America/Los_Angeles', 'Pacific/Kiritimati']) {
    it(`keeps the camera's local date and finds it by its own month and day under TZ=${zone}`, async () => {
      process.env.TZ = zone
      // The zone is in effect: 1 April 2024 03:00 UTC is still 31 March in Los Angeles.
      expect(new Date(Date.UTC(2024, 3, 1, 3, 0, 0)).getDate()).toBe(zone === 'America/Los_Angeles' ? 31 : 1)
      const l = await indexed(async (dir) => {
        const f = path.join(dir, 'april-fools.jpg')
        await fs.writeFile(f, await jpegBytes({ seed: 4 }))
        tag(f, '-DateTimeOriginal=2024:04:01 03:00:00', '-OffsetTimeOriginal=+09:00')
        const u = path.join(dir, 'april-utc.jpg')
        await fs.writeFile(u, await jpegBytes({ seed: 9 }))
        tag(u, '-DateTimeOriginal=2024:04:01 03:00:00', '-OffsetTimeOriginal=+00:00')
        const g = path.join(dir, 'no-offset.jpg')
        await fs.writeFile(g, await jpegBytes({ seed: 5 }))
        tag(g, '-DateTimeOriginal=2023:12:31 23:30:00')
      })
      const p = l.engine.photos.get(photoNamed(l, 'april-fools.jpg')!.id)!
      expect(p.takenAt).toBe(Date.UTC(2024, 3, 1, 3, 0, 0))
      expect(p.takenOffsetMinutes).toBe(540)
      const ids = (q: string, filters: PhotoFilter = {}) => wordSearch(l.engine.db, q, { limit: 10, filters }).map((r) => r.id)
      expect(ids('April 2024')).toContain(p.id)
      expect(ids('March')).not.toContain(p.id)
      const q = l.engine.photos.get(photoNamed(l, 'no-offset.jpg')!.id)!
      expect(ids('December 2023')).toContain(q.id)
      // A date filter for 1 April 2024 (the photo's own calendar day) finds it; 31 March does not; nor do zone-less times.
      expect(ids('April', { from: '2024-04-01', to: '2024-04-01' })).toContain(p.id)
      expect(ids('April', { from: '2024-03-31', to: '2024-03-31' })).not.toContain(p.id)
      expect(ids('April', { from: '2024-04-01T02:30', to: '2024-04-01T03:30' })).toContain(p.id)
      // Day words: 1 April 2024 was a Monday on the photographer's clock, for both offsets.
      const u = l.engine.photos.get(photoNamed(l, 'april-utc.jpg')!.id)!
      expect(u).toMatchObject({ takenAt: Date.UTC(2024, 3, 1, 3, 0, 0), takenOffsetMinutes: 0 })
      for (const query of ['Monday', 'monday 1 april 2024', '1 April', 'april 1 ']) {
        expect(ids(query), query).toEqual(expect.arrayContaining([p.id, u.id]))
      }
      for (const query of ['March', 'Sunday', '31 march']) {
        expect(ids(query), query).not.toContain(p.id)
        expect(ids(query), query).not.toContain(u.id)
      }
      expect(
        wordSearch(l.engine.db, 'April', { limit: 10, filters: { from: '2024-04-01', to: '2024-04-01' } })
          .map((r) => r.id)
          .sort(),
      ).toEqual([p.id, u.id].sort())
      // 31 December 2023, 23:30 (no offset recorded) was a Sunday.
      expect(ids('sunday 31 december 2023')).toContain(q.id)
      expect(ids('monday')).not.toContain(q.id)
    })
  }

  it('reads an existing XMP sidecar on ingest, and again when it changes', async () => {
    const xmp = (text: string) =>
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">${text}</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`
    let dir = ''
    const l = await indexed(async (d) => {
      dir = d
      await fs.writeFile(path.join(d, 'darktable.jpg'), await jpegBytes({ seed: 6 }))
      await fs.writeFile(path.join(d, 'darktable.jpg.xmp'), xmp('Sunrise over the fjord'))
      await fs.writeFile(path.join(d, 'lightroom.jpg'), await jpegBytes({ seed: 7 }))
      await fs.writeFile(path.join(d, 'lightroom.xmp'), xmp('Lunch &amp; a view'))
      await fs.writeFile(path.join(d, 'filler.jpg'), await jpegBytes({ seed: 8 }))
      await fs.writeFile(path.join(d, 'filler.xmp'), xmp('OLYMPUS DIGITAL CAMERA'))
    })
    expect(photoNamed(l, 'darktable.jpg')!.caption).toBe('Sunrise over the fjord')
    expect(photoNamed(l, 'lightroom.jpg')!.caption).toBe('Lunch & a view')
    expect(photoNamed(l, 'filler.jpg')!.caption).toBeNull()
    await fs.writeFile(path.join(dir, 'darktable.jpg.xmp'), xmp('Sunrise over the fjord, from the ferry'))
    const later = new Date(Date.now() + 5000)
    await fs.utimes(path.join(dir, 'darktable.jpg.xmp'), later, later)
    l.engine.roots.rescan()
    await l.engine.jobs.whenIdle()
    expect(photoNamed(l, 'darktable.jpg')!.caption).toBe('Sunrise over the fjord, from the ferry')
  })
})

/** An uncompressed 24-bit bottom-up BMP, all blue. */
function bmp24(w: number, h: number): Buffer {
  const stride = Math.ceil((w * 3) / 4) * 4
  const pixels = Buffer.alloc(stride * h)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels.set([255, 0, 0], y * stride + x * 3) // BGR blue
  const header = Buffer.alloc(54)
  header.write('BM', 0, 'latin1')
  header.writeUInt32LE(54 + pixels.length, 2)
  header.writeUInt32LE(54, 10)
  header.writeUInt32LE(40, 14)
  header.writeInt32LE(w, 18)
  header.writeInt32LE(h, 22)
  header.writeUInt16LE(1, 26)
  header.writeUInt16LE(24, 28)
  return Buffer.concat([header, pixels])
}

describe('sidecars edited while the library watches', () => {
  it('reads a sidecar written next to a watched photo', async () => {
    lib = await testLibrary()
    await fs.mkdir(lib.photos, { recursive: true })
    await fs.writeFile(path.join(lib.photos, 'watched.jpg'), await jpegBytes({ seed: 30 }))
    await lib.engine.start({ watch: true })
    await lib.engine.roots.add(lib.photos)
    await lib.engine.jobs.whenIdle()
    expect(photoNamed(lib, 'watched.jpg')!.caption).toBeNull()
    await fs.writeFile(
      path.join(lib.photos, 'watched.xmp'),
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">Written in Lightroom</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`,
    )
    const l = lib
    await until(() => photoNamed(l, 'watched.jpg')!.caption === 'Written in Lightroom', 'the sidecar caption')
  })
})

describe('decoding what viewers show', () => {
  it('flattens transparent images onto a neutral background for thumbnails (not black)', async () => {
    const l = await indexed(async (dir) => {
      // black text-like strokes on a transparent background
      const w = 64
      const rgba = Buffer.alloc(w * w * 4)
      for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) if (x % 16 < 3) rgba[(y * w + x) * 4 + 3] = 255
      await sharp(rgba, { raw: { width: w, height: w, channels: 4 } })
        .png()
        .toFile(path.join(dir, 'logo.png'))
      await sharp(rgba, { raw: { width: w, height: w, channels: 4 } })
        .gif()
        .toFile(path.join(dir, 'logo.gif'))
    })
    for (const name of ['logo.png', 'logo.gif']) {
      const p = photoNamed(l, name)!
      expect(p.status).toBe('thumbnailed')
      const { data } = await sharp(l.engine.photos.thumbnailPath(p.id, 'small')!).raw().toBuffer({ resolveWithObject: true })
      // a transparent pixel (x = 8) is the neutral grey, not black
      expect(data[8 * 3]).toBeGreaterThan(150)
      expect(data[0]).toBeLessThan(60)
    }
  })

  it('indexes BMP files', async () => {
    const l = await indexed(async (dir) => {
      await fs.writeFile(path.join(dir, 'paint.bmp'), bmp24(5, 3))
    })
    const p = l.engine.photos.get(photoNamed(l, 'paint.bmp')!.id)!
    expect(p).toMatchObject({ status: 'thumbnailed', width: 5, height: 3, mime: 'bmp' })
    const { data } = await sharp(l.engine.photos.thumbnailPath(p.id, 'small')!).raw().toBuffer({ resolveWithObject: true })
    expect(data[2]).toBeGreaterThan(200) // blue
    expect(data[0]).toBeLessThan(60)
  })

  it('indexes a JPEG with junk before a marker (a libjpeg warning) and keeps the warning as a note', async () => {
    const l = await indexed(async (dir) => {
      const good = await jpegBytes({ width: 64, height: 48, seed: 9 })
      // extraneous bytes between two segments: libjpeg warns "Corrupt JPEG data: N extraneous bytes before marker"
      const sos = good.indexOf(Buffer.from([0xff, 0xda]))
      await fs.writeFile(path.join(dir, 'junk.jpg'), Buffer.concat([good.subarray(0, sos), Buffer.from([1, 2, 3, 4]), good.subarray(sos)]))
    })
    const p = l.engine.photos.get(photoNamed(l, 'junk.jpg')!.id)!
    expect(p.status).toBe('thumbnailed')
    expect(p.error).toBeNull()
    expect(p.decodeNote).toMatch(/warning/i)
  })

  it("gives each refused file a reason from its own decode, never another file's path", async () => {
    const l = await indexed(async (dir) => {
      const good = await jpegBytes({ width: 256, height: 192, seed: 10 })
      for (let i = 0; i < 6; i++) await fs.writeFile(path.join(dir, `cut-${i}.jpg`), good.subarray(0, 400 + i * 50))
      for (let i = 0; i < 6; i++) await fs.writeFile(path.join(dir, `text-${i}.png`), `not a png ${i}`)
    })
    const failed = l.engine.photos.list().filter((p) => p.status === 'failed')
    expect(failed.length).toBe(12)
    for (const p of failed) {
      const own = path.basename(p.paths[0]!.path)
      for (const other of failed) {
        const name = path.basename(other.paths[0]!.path)
        if (name !== own) expect(p.error).not.toContain(name)
      }
    }
    expect(scrubOtherPaths('VipsJpeg: /tmp/a/other.jpg: premature end', '/tmp/b/mine.jpg')).toBe('VipsJpeg: (file): premature end')
    expect(scrubOtherPaths('VipsJpeg: /tmp/b/mine.jpg: premature end', '/tmp/b/mine.jpg')).toContain('/tmp/b/mine.jpg')
  })
})

/** A preview-less Bayer DNG, red on its left half and blue on its right (test/helpers/raw-dng.ts). */
const redBlueDng = (orientation = 1, width = 64, height = 48): Buffer =>
  dngBytes({ width, height, orientation, colour: (x) => (x < width / 2 ? [0.9, 0.05, 0.05] : [0.05, 0.05, 0.9]) })

/** A DNG-like RAW: a small red TIFF main image with a 640x480 blue JPEG preview, as cameras embed one. */
async function fakeRaw(file: string, make = 'Canon'): Promise<void> {
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff0000' } })
    .tiff()
    .toFile(file)
  const preview = `${file}.preview.jpg`
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#0000ff' } })
    .jpeg()
    .toFile(preview)
  tag(file, `-PreviewImage<=${preview}`, `-Make=${make}`, '-Model=Test RAW', '-DateTimeOriginal=2022:02:22 22:22:22')
  await fs.rm(preview)
}

describe.skipIf(!hasExiftool)('RAW files', () => {
  it('indexes a RAW file from its embedded JPEG preview, with its metadata', async () => {
    const l = await indexed(async (dir) => fakeRaw(path.join(dir, 'DSC_0001.dng')))
    const p = l.engine.photos.get(photoNamed(l, 'DSC_0001.dng')!.id)!
    expect(p).toMatchObject({
      status: 'thumbnailed',
      error: null,
      width: 640,
      height: 480,
      cameraMake: 'Canon',
      cameraModel: 'Test RAW',
      takenAt: Date.UTC(2022, 1, 22, 22, 22, 22),
    })
    const { data } = await sharp(l.engine.photos.thumbnailPath(p.id, 'small')!).raw().toBuffer({ resolveWithObject: true })
    expect(data[2]).toBeGreaterThan(200) // the blue preview, not the red main image
    expect(l.engine.status().failures).toEqual([])
  })

  it('embeds and captions RAW (with and without a preview), BMP and TIFFs libvips refuses (the ML decoder reads their JPEG preview)', async () => {
    const ml = await tinyMl()
    try {
      lib = await testLibrary({ ml })
      lib.engine.settings.set({ decoding: { method: 'greedy', beamSize: 5, maxTokens: 8 } })
      await fs.mkdir(lib.photos, { recursive: true })
      await fakeRaw(path.join(lib.photos, 'DSC_0003.nef'))
      await fs.writeFile(path.join(lib.photos, 'paint.bmp'), bmp24(40, 30))
      await fs.writeFile(path.join(lib.photos, 'scan_0004.dng'), redBlueDng()) // no preview: LibRaw develops it
      // 12-bit grey: libvips refuses it, our TIFF reader makes the thumbnail and preview
      const grey = Array.from({ length: 24 }, (_, y) => Array.from({ length: 32 }, (_, x) => (x * 128 + y * 16) % 4096))
      const tiffEntries = [...tiffSize(32, 24), [258, 3, [12]], [259, 3, [1]], [262, 3, [1]], [277, 3, [1]], [278, 3, [24]]] as const
      await fs.writeFile(path.join(lib.photos, 'scan_0005.tif'), tiff([...tiffEntries] as never, [pack12(grey)]))
      await lib.engine.start()
      await lib.engine.roots.add(lib.photos)
      await lib.engine.jobs.whenIdle()
      const photos = lib.engine.photos.list()
      const rows = photos.map((p) => [path.basename(p.paths[0]!.path), p.status, p.error]).sort((x, y) => String(x[0]).localeCompare(String(y[0])))
      expect(rows).toEqual([
        ['DSC_0003.nef', 'captioned', null],
        ['paint.bmp', 'captioned', null],
        ['scan_0004.dng', 'captioned', null],
        ['scan_0005.tif', 'captioned', null],
      ])
      expect(lib.engine.photos.get(photoNamed(lib, 'scan_0005.tif')!.id)!.decodeNote).toMatch(/^read by Photocap's TIFF reader/)
    } finally {
      await lib?.close()
      lib = null
      await ml.close()
    }
  })

  const rotatedAvif = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../../../shared/realworld/images/pillow/avif/rot1mir0.avif')
  if (!existsSync(rotatedAvif)) console.warn(`real-files.test.ts: the rotated-AVIF test is skipped, ${rotatedAvif} (public real-world set) is absent`)
  it.skipIf(!existsSync(rotatedAvif))('shows an AVIF rotated by irot upright, and gives the ML decoder the upright image', async () => {
    const ml = await tinyMl()
    try {
      lib = await testLibrary({ ml })
      lib.engine.settings.set({ decoding: { method: 'greedy', beamSize: 5, maxTokens: 8 } })
      await fs.mkdir(lib.photos, { recursive: true })
      await fs.copyFile(rotatedAvif, path.join(lib.photos, 'turned.avif'))
      await lib.engine.start()
      await lib.engine.roots.add(lib.photos)
      await lib.engine.jobs.whenIdle()
      const p = lib.engine.photos.get(photoNamed(lib, 'turned.avif')!.id)!
      expect(p).toMatchObject({ status: 'captioned', width: 427, height: 640 })
      const thumb = await sharp(lib.engine.photos.thumbnailPath(p.id, 'small')!).metadata()
      expect(thumb.height).toBeGreaterThan(thumb.width!)
      await expect(fs.stat(lib.engine.photos.thumbnailPath(p.id, 'large')!)).resolves.toBeTruthy() // the ML decoder's upright stand-in
    } finally {
      await lib?.close()
      lib = null
      await ml.close()
    }
  })

  for (const order of ['RAW first', 'JPEG first']) {
    it(`shows a RAW+JPEG pair once, from the JPEG, keeping both paths (${order})`, async () => {
      const l = await indexed(async (dir) => {
        // scan order is by name: IMG_0002.dng before IMG_0002.jpg; "JPEG first" renames the RAW so it sorts after
        const raw = order === 'RAW first' ? 'IMG_0002.dng' : 'IMG_0002.pef'
        await fakeRaw(path.join(dir, raw))
        await fs.writeFile(path.join(dir, 'IMG_0002.jpg'), await jpegBytes({ seed: 11, width: 64, height: 48 }))
        await fs.writeFile(path.join(dir, 'other.jpg'), await jpegBytes({ seed: 12 }))
      })
      const all = l.engine.photos.list()
      expect(all).toHaveLength(2)
      const pair = photoNamed(l, 'IMG_0002.jpg')!
      expect(pair.paths.map((x) => path.basename(x.path)).sort()).toEqual(['IMG_0002.jpg', order === 'RAW first' ? 'IMG_0002.dng' : 'IMG_0002.pef'].sort())
      expect(l.engine.photos.originalPath(pair.id)!.endsWith('IMG_0002.jpg')).toBe(true)
      expect(l.engine.photos.get(pair.id)!.width).toBe(64)
    })
  }
})

describe('RAW files without an embedded preview', () => {
  it('develops the sensor data (LibRaw): size, orientation and colours as the scene had them', async () => {
    const l = await indexed(async (dir) => {
      await fs.writeFile(path.join(dir, 'scan_0001.dng'), redBlueDng())
      await fs.writeFile(path.join(dir, 'turned.dng'), redBlueDng(6))
    })
    const pixel = async (id: number, fx: number, fy: number): Promise<number[]> => {
      const { data, info } = await sharp(l.engine.photos.thumbnailPath(id, 'small')!).raw().toBuffer({ resolveWithObject: true })
      const at = (Math.floor(fy * info.height) * info.width + Math.floor(fx * info.width)) * info.channels
      return [data[at]!, data[at + 1]!, data[at + 2]!]
    }
    const upright = l.engine.photos.get(photoNamed(l, 'scan_0001.dng')!.id)!
    expect(upright).toMatchObject({ status: 'thumbnailed', error: null, width: 64, height: 48 })
    const [lr, lg, lb] = await pixel(upright.id, 0.2, 0.5)
    expect(lr).toBeGreaterThan(200)
    expect(Math.max(lg!, lb!)).toBeLessThan(110)
    const [rr, rg, rb] = await pixel(upright.id, 0.8, 0.5)
    expect(rb).toBeGreaterThan(200)
    expect(Math.max(rr!, rg!)).toBeLessThan(110)
    // Orientation 6: the sensor's left edge is the top of the picture
    const turned = l.engine.photos.get(photoNamed(l, 'turned.dng')!.id)!
    expect(turned).toMatchObject({ status: 'thumbnailed', width: 48, height: 64 })
    expect((await pixel(turned.id, 0.5, 0.2))[0]).toBeGreaterThan(200)
    expect((await pixel(turned.id, 0.5, 0.8))[2]).toBeGreaterThan(200)
    expect(l.engine.status().failures).toEqual([])
  })

  it('refuses a RAW whose sensor data cannot be developed, with a reason naming the file', async () => {
    const l = await indexed(async (dir) => {
      const whole = redBlueDng()
      await fs.writeFile(path.join(dir, 'cut_0002.nef'), whole.subarray(0, whole.length - 5000))
      await fs.writeFile(path.join(dir, 'noise_0003.cr2'), Buffer.from('not a raw file at all'))
    })
    const cut = photoNamed(l, 'cut_0002.nef')!
    expect(cut.status).toBe('failed')
    expect(cut.error).toMatch(/LibRaw cannot develop RAW file cut_0002\.nef/)
    const noise = photoNamed(l, 'noise_0003.cr2')!
    expect(noise.status).toBe('failed')
    expect(noise.error).toMatch(/LibRaw cannot read noise_0003\.cr2 as a RAW image/)
  })
})

describe('our own exported sidecars, read back', () => {
  for (const naming of ['ext', 'base'] as const) {
    it(`give the same captions (round trip, ${naming} naming)`, async () => {
      const texts = ['A heron on the jetty & two gulls', "Grandma's 90th — «merci»\nsecond line", 'Zürich at dusk 🌆']
      let dir = ''
      const l = await indexed(async (d) => {
        dir = d
        for (let i = 0; i < texts.length; i++) await fs.writeFile(path.join(d, `p${i}.jpg`), await jpegBytes({ seed: 20 + i }))
      })
      for (let i = 0; i < texts.length; i++) l.engine.captions.set(photoNamed(l, `p${i}.jpg`)!.id, texts[i]!)
      const report = await exportAltText(l.engine.db, { format: 'xmp', sidecarNaming: naming })
      expect(report.written).toBeGreaterThanOrEqual(texts.length)
      await l.engine.close()
      try {
        // A fresh library over the same folder: the captions come back from the sidecars alone.
        lib = await testLibrary()
        await lib.engine.start()
        await lib.engine.roots.add(dir)
        await lib.engine.jobs.whenIdle()
        for (let i = 0; i < texts.length; i++) expect(photoNamed(lib, `p${i}.jpg`)).toMatchObject({ caption: texts[i], provenance: 'user' })
      } finally {
        await fs.rm(l.dir, { recursive: true, force: true })
      }
    })
  }
})
