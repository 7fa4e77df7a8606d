import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { bombPng, jpegBytes, tempDir } from '../../../../test/helpers/photo-folders.ts'
import { ImageRejectedError, makePreview, makeThumbnail, maxPixels, previewBuckets, previewPath, previewSize, probeImage, thumbnailPath } from './images.ts'

/** Both cached sizes, as ingest (thumbnail) and a first view (preview) make them. */
async function makeBoth(file: string, cache: string, key: string): Promise<void> {
  await makeThumbnail(file, cache, key)
  await makePreview(file, cache, key)
}

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/library')

describe('probing images', () => {
  it('reports format and displayed size (after EXIF rotation)', async () => {
    // exif-full.jpg is stored 40x20 with orientation 6: it displays 20x40.
    expect(await probeImage(path.join(fixtures, 'exif-full.jpg'))).toEqual({ format: 'jpeg', width: 20, height: 40 })
    expect(await probeImage(path.join(fixtures, 'xmp-iptc.jpg'))).toEqual({ format: 'jpeg', width: 40, height: 20 })
  })

  it('refuses a decompression bomb by its header, before decoding', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'bomb.png')
    await fs.writeFile(file, await bombPng(50_000))
    expect((await fs.stat(file)).size).toBeLessThan(2_000_000)
    const error = await probeImage(file).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ImageRejectedError)
    expect((error as Error).message).toBe(`image is 50000x50000 (2500 MP), above the ${(maxPixels / 1e6).toFixed(0)} MP pixel limit`)
    expect(maxPixels).toBe(178_956_970) // the ML decoder refuses the same
    // ... and the README states this limit, not another one.
    const readme = await fs.readFile(path.resolve(fixtures, '../../../README.md'), 'utf8')
    expect(/over (\d+) megapixels are refused/.exec(readme)?.[1]).toBe((maxPixels / 1e6).toFixed(0))
    // The thumbnailer refuses it too (sharp's limitInputPixels), with a reason and no crash.
    await expect(makeThumbnail(file, dir, 'bomb')).rejects.toThrow(/cannot decode image: .*pixel limit/i)
  })

  it('rejects non-images, empty and corrupt files with a reason', async () => {
    const dir = await tempDir()
    await fs.writeFile(path.join(dir, 'text.jpg'), 'this is not a photo')
    await fs.writeFile(path.join(dir, 'empty.png'), '')
    const good = await jpegBytes({ width: 64, height: 48 })
    const corrupt = Buffer.from(good)
    corrupt.fill(0x55, 2, 200) // destroy the headers, keep the size
    await fs.writeFile(path.join(dir, 'corrupt.jpg'), corrupt)
    for (const f of ['text.jpg', 'empty.png', 'corrupt.jpg']) {
      await expect(probeImage(path.join(dir, f)), f).rejects.toThrow(/^not a readable image: /)
    }
  })

  it('fails a truncated JPEG at decode time instead of thumbnailing half a photo', async () => {
    const dir = await tempDir()
    const good = await jpegBytes({ width: 256, height: 192 })
    const file = path.join(dir, 'truncated.jpg')
    await fs.writeFile(file, good.subarray(0, Math.floor(good.length * 0.6)))
    // The header is intact, so probing passes...
    await expect(probeImage(file)).resolves.toMatchObject({ width: 256, height: 192 })
    // ...and decoding says what is wrong.
    // Both the 1/8-scale thumbnail decode and the preview's read every byte of entropy data.
    await expect(makeThumbnail(file, dir, 'trunc')).rejects.toThrow(/cannot decode image: .*(premature end|truncated)/i)
    await expect(makePreview(file, dir, 'trunc')).rejects.toThrow(/cannot decode image: .*(premature end|truncated)/i)
    await expect(fs.stat(thumbnailPath(dir, 'trunc', 'small'))).rejects.toThrow(/ENOENT/)
  })
})

describe('thumbnails', () => {
  it('writes two sizes, rotated by EXIF orientation, into a content-addressed cache', async () => {
    const cache = await tempDir()
    const src = path.join(fixtures, 'exif-full.jpg')
    await makeBoth(src, cache, 'abcdef')
    const large = thumbnailPath(cache, 'abcdef', 'large')
    const small = thumbnailPath(cache, 'abcdef', 'small')
    expect(large).toBe(path.join(cache, 'thumbnails', 'ab', 'abcdef-960.jpg'))
    const ml = await sharp(large).metadata()
    // 40x20 stored, orientation 6 -> 20x40 upright; never enlarged.
    expect([ml.width, ml.height]).toEqual([20, 40])
    expect(ml.orientation ?? 1).toBe(1)
    // Rotated 90 degrees clockwise: the red left half is now on top.
    const { data } = await sharp(large).raw().toBuffer({ resolveWithObject: true })
    expect(data[0]).toBeGreaterThan(200) // top-left red
    expect(data[2]).toBeLessThan(60)
    const lastRow = (40 - 1) * 20 * 3
    expect(data[lastRow + 2]).toBeGreaterThan(200) // bottom-left blue
    const sm = await sharp(small).metadata()
    expect([sm.format, sm.width, sm.height, sm.orientation ?? 1]).toEqual(['jpeg', 20, 40, 1])
  })

  it('scales a large photo to 960 and 320 px on the long side', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'big.jpg')
    await fs.writeFile(file, await jpegBytes({ width: 2000, height: 1500 }))
    await makeThumbnail(file, dir, 'big1')
    // Ingest makes only the thumbnail; the preview waits for a first view.
    await expect(fs.stat(thumbnailPath(dir, 'big1', 'large'))).rejects.toThrow(/ENOENT/)
    await makePreview(file, dir, 'big1')
    const l = await sharp(thumbnailPath(dir, 'big1', 'large')).metadata()
    const s = await sharp(thumbnailPath(dir, 'big1', 'small')).metadata()
    expect([l.width, l.height]).toEqual([960, 720])
    expect([s.width, s.height]).toEqual([320, 240])
  })

  it('makes a screen-sized preview at a size bucket, never above the photo and never writing the original', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'wide.jpg')
    await fs.writeFile(file, await jpegBytes({ width: 3000, height: 2000 }))
    const original = await fs.readFile(file)
    // A 1440 px wide stage at devicePixelRatio 1 asks for 1440: the 1600 bucket.
    expect(previewSize(1440, 3000)).toBe(1600)
    await makePreview(file, dir, 'wide1', previewSize(1440, 3000))
    const m = await sharp(previewPath(dir, 'wide1', 1600)).metadata()
    expect([m.width, m.height]).toEqual([1600, 1067])
    // Zoomed to 100%: the photo's own size, not the 3840 bucket.
    expect(previewSize(3000, 3000)).toBe(3000)
    expect(previewSize(5000, 3000)).toBe(3000)
    await makePreview(file, dir, 'wide1', previewSize(5000, 3000))
    const full = await sharp(previewPath(dir, 'wide1', 3000)).metadata()
    expect([full.width, full.height]).toEqual([3000, 2000])
    expect((await fs.readFile(file)).equals(original)).toBe(true)
  })

  it('rounds preview sizes to buckets: the default 960, a small photo at its own size in one file, huge photos capped', () => {
    expect(previewSize(undefined, 5640)).toBe(960)
    expect(previewSize(1, 5640)).toBe(960)
    expect(previewSize(961, 5640)).toBe(1600)
    expect(previewSize(2561, 5640)).toBe(3840)
    expect(previewSize(3841, 5640)).toBe(5640)
    expect(previewSize(8000, 20000)).toBe(8192)
    // A 320 px photo has one preview, the default one, whatever the screen asks.
    expect(previewSize(2560, 320)).toBe(960)
    expect(previewSize(5000, null)).toBe(3840)
    expect(previewBuckets[0]).toBe(960)
  })

  it('does not redo thumbnails that already exist for the same content', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'a.jpg')
    await fs.writeFile(file, await jpegBytes({}))
    await makeBoth(file, dir, 'key1')
    const before = await Promise.all((['small', 'large'] as const).map(async (size) => (await fs.stat(thumbnailPath(dir, 'key1', size))).mtimeMs))
    await new Promise((r) => setTimeout(r, 20))
    await makeBoth(file, dir, 'key1')
    const after = await Promise.all((['small', 'large'] as const).map(async (size) => (await fs.stat(thumbnailPath(dir, 'key1', size))).mtimeMs))
    expect(after).toEqual(before)
  })
})

describe('HEIC from phones', () => {
  const heic = path.resolve(fixtures, '..', 'images', 'generated', 'quadrants_300x200.heic')

  it('probes and thumbnails an HEVC-coded HEIC (libheif in wasm where libvips cannot decode it)', async () => {
    expect(await probeImage(heic)).toMatchObject({ width: 300, height: 200 })
    const cache = await tempDir()
    await makeBoth(heic, cache, 'heic1')
    const { data, info } = await sharp(thumbnailPath(cache, 'heic1', 'large'))
      .raw()
      .toBuffer({ resolveWithObject: true })
    expect([info.width, info.height]).toEqual([300, 200])
    // Top-left quadrant is (220, 30, 40) in the source (lossy both ways: loose bounds).
    const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3))
    const [r, g, b] = px(20, 150)
    expect(Math.abs(r! - 40) + Math.abs(g! - 50) + Math.abs(b! - 210)).toBeLessThan(60) // bottom-left (40, 50, 210)
    const [r2, g2, b2] = px(20, 60)
    expect(Math.abs(r2! - 220) + Math.abs(g2! - 30) + Math.abs(b2! - 40)).toBeLessThan(60)
  })
})

describe('animated images: the first frame, never a refusal', () => {
  const frame = (background: string) =>
    sharp({ create: { width: 64, height: 48, channels: 3, background } })
      .png()
      .toBuffer()
  const firstPixel = async (file: string) => {
    const { data } = await sharp(file).raw().toBuffer({ resolveWithObject: true })
    return Array.from(data.subarray(0, 3))
  }
  const near = (got: number[], want: number[]) => got.reduce((s, v, i) => s + Math.abs(v - want[i]!), 0)

  for (const format of ['gif', 'webp'] as const) {
    it(`animated ${format.toUpperCase()}: one frame's size, and the first frame in the thumbnail`, async () => {
      const dir = await tempDir()
      const file = path.join(dir, `anim.${format}`)
      const joined = sharp([await frame('#dc1e28'), await frame('#2832d2')], { join: { animated: true } })
      await fs.writeFile(file, await (format === 'gif' ? joined.gif() : joined.webp({ lossless: true })).toBuffer())
      expect((await sharp(file).metadata()).pages).toBe(2)
      expect(await probeImage(file)).toMatchObject({ format, width: 64, height: 48 })
      await makeBoth(file, dir, `anim-${format}`)
      expect(near(await firstPixel(thumbnailPath(dir, `anim-${format}`, 'small')), [220, 30, 40])).toBeLessThan(40)
    })
  }

  it('animated AVIF (brand avis, which libvips refuses): its still first frame', async () => {
    const avif = path.resolve(fixtures, '..', 'images', 'generated', 'animated_64x48.avif')
    const dir = await tempDir()
    expect(await probeImage(avif)).toMatchObject({ width: 64, height: 48 })
    await makeBoth(avif, dir, 'anim-avif')
    expect(near(await firstPixel(thumbnailPath(dir, 'anim-avif', 'small')), [220, 30, 40])).toBeLessThan(40)
    // The original is only read.
    expect((await fs.readFile(avif)).toString('latin1', 8, 12)).toBe('avis')
  })
})
