import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { deflateSync } from 'node:zlib'
import sharp, { type Sharp } from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSafetensors } from '../weights/safetensors.ts'
import { clipRgbFromBuffer, clipRgbFromRawRgba, heifBrand, ImageLoadError, loadClipBatch, loadClipPixels, loadClipRgb } from './image-decode.ts'
import { normalizeRgbToChw } from './normalize.ts'

const goldenDir = path.resolve(import.meta.dirname, '../../../../test/fixtures/images/golden')

interface PreprocessCase {
  file: string
  tolerance_class: 'identity' | 'downscale' | 'upscale' | 'rgba'
  geometry: { resized_w: number; resized_h: number; crop_top: number; crop_left: number; resize_skipped: boolean }
  tensors: { rgb_u8: string; alpha_u8: string | null }
}
interface ToleranceClass {
  mean_abs?: number
  p99_abs?: number
  max_abs: number
  alpha_eq_0_min_frac_black?: number
}
const golden = JSON.parse(fs.readFileSync(path.join(goldenDir, 'cases.json'), 'utf8')) as {
  tolerance_classes: Record<string, ToleranceClass>
  cases: PreprocessCase[]
}
const expected = readSafetensors(path.join(goldenDir, 'expected.safetensors'))

/** |a - b| in normalised units, per value, over all 3*S*S values (optionally only where mask holds). */
function stats(actual: Uint8Array, want: Uint8Array, size: number, mask?: (pixel: number) => boolean): { mean: number; p99: number; max: number } {
  const a = normalizeRgbToChw(actual, size)
  const b = normalizeRgbToChw(want, size)
  const plane = size * size
  const diffs: number[] = []
  for (let i = 0; i < a.length; i++) if (!mask || mask(i % plane)) diffs.push(Math.abs(a[i]! - b[i]!))
  diffs.sort((x, y) => x - y)
  const mean = diffs.reduce((s, v) => s + v, 0) / diffs.length
  // numpy.percentile(99) with linear interpolation
  const pos = 0.99 * (diffs.length - 1)
  const lo = Math.floor(pos)
  const p99 = diffs[lo]! + (diffs[Math.min(lo + 1, diffs.length - 1)]! - diffs[lo]!) * (pos - lo)
  return { mean, p99, max: diffs[diffs.length - 1]! }
}

describe('CLIP preprocessing against the golden images', () => {
  for (const c of golden.cases) {
    const name = path.basename(c.file)
    it(`${name} (${c.tolerance_class})`, async () => {
      const got = await loadClipRgb(path.join(goldenDir, name))
      expect(got.geometry).toMatchObject({
        resizedWidth: c.geometry.resized_w,
        resizedHeight: c.geometry.resized_h,
        cropTop: c.geometry.crop_top,
        cropLeft: c.geometry.crop_left,
        resizeSkipped: c.geometry.resize_skipped,
      })
      const want = expected.get(c.tensors.rgb_u8)!.data as Uint8Array
      const tol = golden.tolerance_classes[c.tolerance_class]!
      if (c.tolerance_class === 'rgba') {
        const alpha = expected.get(c.tensors.alpha_u8!)!.data as Uint8Array
        const s = stats(got.rgb, want, 224, (p) => alpha[p]! >= 128)
        expect(s.mean).toBeLessThanOrEqual(tol.mean_abs!)
        expect(s.p99).toBeLessThanOrEqual(tol.p99_abs!)
        expect(s.max).toBeLessThanOrEqual(tol.max_abs)
        let transparent = 0
        let black = 0
        for (let p = 0; p < alpha.length; p++) {
          if (alpha[p] !== 0) continue
          transparent++
          if (got.rgb[p * 3] === 0 && got.rgb[p * 3 + 1] === 0 && got.rgb[p * 3 + 2] === 0) black++
        }
        expect(transparent).toBeGreaterThan(1000)
        expect(black / transparent).toBeGreaterThanOrEqual(tol.alpha_eq_0_min_frac_black!)
      } else {
        const s = stats(got.rgb, want, 224)
        if (tol.mean_abs !== undefined) expect(s.mean).toBeLessThanOrEqual(tol.mean_abs)
        if (tol.p99_abs !== undefined) expect(s.p99).toBeLessThanOrEqual(tol.p99_abs)
        expect(s.max).toBeLessThanOrEqual(tol.max_abs)
        if (c.tolerance_class === 'identity') expect(Buffer.from(got.rgb).equals(Buffer.from(want))).toBe(true)
      }
    })
  }

  it('gives [3,224,224] float32 pixel values equal to normalize(rgb) and a batch [B,3,224,224]', async () => {
    const file = path.join(goldenDir, 'exact_224x224.png')
    const p = await loadClipPixels(file)
    expect(p.pixelValues).toBeInstanceOf(Float32Array)
    expect(p.pixelValues.length).toBe(3 * 224 * 224)
    const want = normalizeRgbToChw(expected.get('exact_224x224.rgb_u8')!.data as Uint8Array, 224)
    expect(Buffer.from(p.pixelValues.buffer).equals(Buffer.from(want.buffer))).toBe(true)
    const batch = await loadClipBatch([file, path.join(goldenDir, 'missing.png'), path.join(goldenDir, 'tiny_10x10.png')])
    expect(batch.shape).toEqual([2, 3, 224, 224])
    expect(Buffer.from(batch.pixelValues.buffer, 0, 3 * 224 * 224 * 4).equals(Buffer.from(p.pixelValues.buffer))).toBe(true)
    expect(batch.items.map((i) => i.ok)).toEqual([true, false, true])
    const bad = batch.items[1]!
    expect(!bad.ok && bad.error.message).toMatch(/missing\.png: cannot read image \(no such file\)/)
  })

  it('honours the pack image size (e.g. 336 for ViT-L/14@336)', async () => {
    const p = await loadClipPixels(path.join(goldenDir, 'tall_300x900.jpg'), { size: 336 })
    expect(p.pixelValues.length).toBe(3 * 336 * 336)
    expect(p.geometry).toMatchObject({ resizedWidth: 336, resizedHeight: 1008, cropTop: 336 })
  })
})

// A synthetic 300x200 image: four flat quadrants (few colours, so GIF/palette encode it exactly) plus a marker.
const W = 300
const H = 200
function pattern(): Uint8Array {
  const px = new Uint8Array(W * H * 3)
  const colours = [
    [220, 30, 40],
    [30, 200, 60],
    [40, 50, 210],
    [240, 230, 20],
  ]
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const q = (y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1)
      const c = x >= 140 && x < 160 && y < 30 ? [255, 255, 255] : colours[q]!
      px.set(c, (y * W + x) * 3)
    }
  }
  return px
}
const rawImage = (): Sharp => sharp(pattern(), { raw: { width: W, height: H, channels: 3 } })
const meanAbsU8 = (a: Uint8Array, b: Uint8Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length

describe('decoding every supported format (images generated with sharp)', () => {
  let reference: Uint8Array
  beforeAll(async () => {
    reference = (await clipRgbFromBuffer(await rawImage().png().toBuffer(), 'ref.png')).rgb
  })

  const exactFormats: Array<[string, () => Promise<Buffer>]> = [
    ['PNG', () => rawImage().png().toBuffer()],
    ['WebP (lossless)', () => rawImage().webp({ lossless: true }).toBuffer()],
    ['TIFF', () => rawImage().tiff({ compression: 'lzw' }).toBuffer()],
    ['GIF', () => rawImage().gif({ dither: 0 }).toBuffer()],
    ['palette PNG', () => rawImage().png({ palette: true, dither: 0 }).toBuffer()],
  ]
  for (const [name, make] of exactFormats) {
    it(`${name} decodes to the same pixels as PNG`, async () => {
      const got = await clipRgbFromBuffer(await make(), `x.${name}`)
      expect(meanAbsU8(got.rgb, reference)).toBe(0)
    })
  }

  for (const [name, make, bound] of [
    ['JPEG', () => rawImage().jpeg({ quality: 95 }).toBuffer(), 3],
    ['AVIF', () => rawImage().avif({ quality: 90 }).toBuffer(), 4],
  ] as Array<[string, () => Promise<Buffer>, number]>) {
    it(`${name} (lossy) decodes close to the PNG pixels`, async () => {
      const got = await clipRgbFromBuffer(await make(), `x.${name}`)
      expect(meanAbsU8(got.rgb, reference)).toBeLessThan(bound)
    })
  }

  it('AVIF with a generic HEIF brand (mif1) goes through sharp', async () => {
    const avif = Buffer.from(await rawImage().avif({ lossless: true }).toBuffer())
    avif.write('mif1', 8, 'latin1')
    expect(heifBrand(avif)).toBe('mif1')
    const got = await clipRgbFromBuffer(avif, 'generic.heif')
    expect(meanAbsU8(got.rgb, reference)).toBeLessThan(3)
  })

  it('GIF: the first frame of an animation', async () => {
    const red = await sharp({ create: { width: W, height: H, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer()
    const blue = await sharp({ create: { width: W, height: H, channels: 3, background: '#0000ff' } })
      .png()
      .toBuffer()
    const gif = await sharp([red, blue], { join: { animated: true } })
      .gif()
      .toBuffer()
    expect((await sharp(gif).metadata()).pages).toBe(2)
    const got = await clipRgbFromBuffer(gif, 'anim.gif')
    expect(Array.from(got.rgb.subarray(0, 3))).toEqual([255, 0, 0])
    expect(Array.from(got.rgb.subarray(got.rgb.length - 3))).toEqual([255, 0, 0])
  })

  it('WebP: the first frame of an animation', async () => {
    const red = await sharp({ create: { width: W, height: H, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer()
    const blue = await sharp({ create: { width: W, height: H, channels: 3, background: '#0000ff' } })
      .png()
      .toBuffer()
    const webp = await sharp([red, blue], { join: { animated: true } })
      .webp({ lossless: true })
      .toBuffer()
    expect((await sharp(webp).metadata()).pages).toBe(2)
    const got = await clipRgbFromBuffer(webp, 'anim.webp')
    expect(Array.from(got.rgb.subarray(0, 3))).toEqual([255, 0, 0])
    expect(Array.from(got.rgb.subarray(got.rgb.length - 3))).toEqual([255, 0, 0])
  })

  it('AVIF: the still first frame of an animated AVIF (brand avis), not a refusal', async () => {
    const file = path.resolve(import.meta.dirname, '../../../../test/fixtures/images/generated/animated_64x48.avif')
    expect(heifBrand(fs.readFileSync(file))).toBe('avis')
    const got = await loadClipRgb(file)
    expect([got.width, got.height]).toEqual([64, 48])
    const [r, g, b] = Array.from(got.rgb.subarray(0, 3))
    expect(Math.abs(r! - 220) + Math.abs(g! - 30) + Math.abs(b! - 40)).toBeLessThan(40)
  })

  it('16-bit PNG decodes to 8-bit within one step', async () => {
    const png16 = await rawImage().toColourspace('rgb16').png().toBuffer()
    expect((await sharp(png16).metadata()).depth).toBe('ushort')
    const got = await clipRgbFromBuffer(png16, 'deep.png')
    const worst = got.rgb.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[i]!)), 0)
    expect(worst).toBeLessThanOrEqual(1)
  })

  it('grayscale (8 and 16 bit, with alpha) becomes three equal channels', async () => {
    for (const [channels, make] of [
      [1, () => rawImage().toColourspace('b-w').png()],
      [1, () => rawImage().toColourspace('grey16').png()],
      [2, () => rawImage().toColourspace('b-w').ensureAlpha(1).png()],
    ] as Array<[number, () => Sharp]>) {
      const buf = await make().toBuffer()
      expect((await sharp(buf).metadata()).channels).toBe(channels)
      const got = await clipRgbFromBuffer(buf, 'grey.png')
      let unequal = 0
      for (let i = 0; i < got.rgb.length; i += 3) if (got.rgb[i] !== got.rgb[i + 1] || got.rgb[i] !== got.rgb[i + 2]) unequal++
      expect(unequal).toBe(0)
      expect(got.rgb[0]).toBeGreaterThan(0)
    }
  })

  it('CMYK JPEG is converted to RGB (close to the original colours)', async () => {
    const cmyk = await rawImage().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()
    const meta = await sharp(cmyk).metadata()
    expect(meta.space).toBe('cmyk')
    expect(meta.channels).toBe(4)
    const got = await clipRgbFromBuffer(cmyk, 'cmyk.jpg')
    // libvips converts through its CMYK profile, so saturated colours shift; the hue of each quadrant survives.
    expect(meanAbsU8(got.rgb, reference)).toBeLessThan(40)
    for (const [x, y] of [
      [20, 60],
      [200, 60],
      [20, 200],
      [200, 200],
    ] as const) {
      const i = (y * 224 + x) * 3
      const dominant = (px: Uint8Array): number => [0, 1, 2].reduce((best, c) => (px[i + c]! > px[i + best]! ? c : best), 0)
      expect(dominant(got.rgb)).toBe(dominant(reference))
    }
  })

  it('alpha: transparent pixels become black after the (premultiplied) resize; alpha is dropped', async () => {
    // left half opaque green, right half fully transparent magenta
    const px = new Uint8Array(W * H * 4)
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.set(x < W / 2 ? [0, 200, 0, 255] : [255, 0, 255, 0], (y * W + x) * 4)
    const png = await sharp(px, { raw: { width: W, height: H, channels: 4 } })
      .png()
      .toBuffer()
    const got = await clipRgbFromBuffer(png, 'alpha.png')
    // geometry: 336x224, crop left 56 -> source x < 150 maps to crop x < 56
    expect(Array.from(got.rgb.subarray(0, 3))).toEqual([0, 200, 0])
    expect(Array.from(got.rgb.subarray((223 * 224 + 223) * 3))).toEqual([0, 0, 0])
  })

  describe('EXIF orientation is applied', () => {
    const rotated = async (orientation: number): Promise<Uint8Array> => {
      const jpg = await rawImage().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation }).toBuffer()
      expect((await sharp(jpg).metadata()).orientation).toBe(orientation)
      return (await clipRgbFromBuffer(jpg, `o${orientation}.jpg`)).rgb
    }
    const manual = async (op: (s: Sharp) => Sharp): Promise<Uint8Array> => {
      const png = await op(rawImage()).png().toBuffer()
      return (await clipRgbFromBuffer(png, 'manual.png')).rgb
    }
    for (const [o, op] of [
      [3, (s: Sharp) => s.rotate(180)],
      [6, (s: Sharp) => s.rotate(90)],
      [8, (s: Sharp) => s.rotate(270)],
      [2, (s: Sharp) => s.flop()],
    ] as Array<[number, (s: Sharp) => Sharp]>) {
      it(`orientation ${o}`, async () => {
        const got = await rotated(o)
        const want = await manual(op)
        expect(meanAbsU8(got, want)).toBeLessThan(3)
        // and it really differs from ignoring the tag
        if (o !== 1) expect(meanAbsU8(got, reference)).toBeGreaterThan(20)
      })
    }
  })
})

describe('HEIC/HEIF (HEVC) path', () => {
  const generated = path.resolve(import.meta.dirname, '../../../../test/fixtures/images/generated')

  it('decodes a real HEVC HEIC (made with heif-enc/x265) through libheif-wasm', async () => {
    const buf = fs.readFileSync(path.join(generated, 'quadrants_300x200.heic'))
    expect(heifBrand(buf)).toBe('heic')
    // sharp alone cannot: its libheif has no HEVC decoder
    await expect(sharp(buf).raw().toBuffer()).rejects.toThrow()
    const got = await loadClipRgb(path.join(generated, 'quadrants_300x200.heic'))
    expect(got).toMatchObject({ width: 300, height: 200, format: 'heif' })
    const ref = (await clipRgbFromBuffer(await rawImage().png().toBuffer(), 'ref.png')).rgb
    expect(meanAbsU8(got.rgb, ref)).toBeLessThan(4)
  })

  it('a generic-brand (mif1) HEIF whose compatible brands say HEVC also goes to libheif', async () => {
    const buf = Buffer.from(fs.readFileSync(path.join(generated, 'quadrants_300x200.heic')))
    buf.write('mif1', 8, 'latin1')
    const got = await clipRgbFromBuffer(buf, 'samsung.heif')
    const ref = (await clipRgbFromBuffer(await rawImage().png().toBuffer(), 'ref.png')).rgb
    expect(meanAbsU8(got.rgb, ref)).toBeLessThan(4)
  })

  it('HEIC alpha: transparent pixels end up black like every other format', async () => {
    const got = await loadClipRgb(path.join(generated, 'alpha_300x200.heic'))
    expect(meanAbsU8(got.rgb.subarray(0, 3), Uint8Array.from([0, 200, 0]))).toBeLessThan(4)
    expect(Array.from(got.rgb.subarray((223 * 224 + 223) * 3))).toEqual([0, 0, 0])
  })

  it('routes HEVC-branded files to libheif (wasm) and names the file when decoding fails', async () => {
    // sharp cannot encode HEVC, so we build a HEIF container with the `heic` brand around
    // AV1 data: the brand sends it down the HEVC path, and libheif-js (HEVC only) refuses it.
    const fake = Buffer.from(await rawImage().avif({ lossless: true }).toBuffer())
    fake.write('heic', 8, 'latin1')
    expect(heifBrand(fake)).toBe('heic')
    const err = await clipRgbFromBuffer(fake, '/photos/IMG_0001.HEIC').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImageLoadError)
    expect((err as ImageLoadError).message).toMatch(/^\/photos\/IMG_0001\.HEIC: cannot decode HEIC\/HEIF image \(/)
    expect((err as ImageLoadError).reason).toBe('corrupt')
  })

  it('raw RGBA pixels (what libheif returns) preprocess like the same pixels from PNG', async () => {
    const rgba = await rawImage().ensureAlpha().raw().toBuffer()
    const got = await clipRgbFromRawRgba(new Uint8Array(rgba), W, H, 'decoded.heic')
    const ref = (await clipRgbFromBuffer(await rawImage().png().toBuffer(), 'ref.png')).rgb
    expect(Buffer.from(got.rgb).equals(Buffer.from(ref))).toBe(true)
    await expect(clipRgbFromRawRgba(new Uint8Array(10), W, H, 'short.heic')).rejects.toThrow(/short\.heic: decoder returned 10 bytes/)
  })
})

// A PNG whose header claims width x height (the pixel data never arrives: the limit must trip first).
function pngHeaderClaiming(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const c = Buffer.alloc(4)
    c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1000))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

describe('bad files get a clear error naming the file', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clip-bad-'))
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  const expectError = async (file: string, reason: string, pattern: RegExp, options = {}): Promise<void> => {
    const err = await loadClipPixels(file, options).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImageLoadError)
    expect((err as ImageLoadError).reason).toBe(reason)
    expect((err as Error).message.startsWith(`${file}: `)).toBe(true)
    expect((err as Error).message).toMatch(pattern)
  }

  it('a 50000x50000 PNG is refused by the pixel limit before decoding', async () => {
    const file = path.join(dir, 'bomb.png')
    fs.writeFileSync(file, pngHeaderClaiming(50000, 50000))
    await expectError(file, 'too-large', /image is 50000x50000 \(2500\.0 megapixels\), more than the limit of 179\.0 megapixels/)
  })

  it('the limit is configurable', async () => {
    await expectError(path.join(goldenDir, 'landscape_640x480.png'), 'too-large', /more than the limit of 0\.1 megapixels/, { maxPixels: 100_000 })
  })

  it('zero-byte file', async () => {
    const file = path.join(dir, 'empty.jpg')
    fs.writeFileSync(file, '')
    await expectError(file, 'empty', /empty file \(0 bytes\)/)
  })

  it('not an image', async () => {
    const file = path.join(dir, 'notes.jpg')
    fs.writeFileSync(file, 'these are my holiday notes, not a picture\n')
    await expectError(file, 'unsupported', /not a supported image/)
  })

  it('SVG (which libvips could render) is not a photo', async () => {
    const file = path.join(dir, 'drawing.svg')
    fs.writeFileSync(file, '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="red"/></svg>')
    await expectError(file, 'unsupported', /not a supported image \(svg is not a photo format\)/)
  })

  it('truncated JPEG', async () => {
    const full = fs.readFileSync(path.join(goldenDir, 'tall_300x900.jpg'))
    const file = path.join(dir, 'truncated.jpg')
    fs.writeFileSync(file, full.subarray(0, Math.floor(full.length / 2)))
    await expectError(file, 'corrupt', /corrupt or truncated image/)
  })

  it('truncated PNG', async () => {
    const full = fs.readFileSync(path.join(goldenDir, 'landscape_640x480.png'))
    const file = path.join(dir, 'truncated.png')
    fs.writeFileSync(file, full.subarray(0, Math.floor(full.length / 2)))
    await expectError(file, 'corrupt', /corrupt or truncated image/)
  })

  it('a complete JPEG with damaged entropy data still decodes (libjpeg warnings are tolerated, as Pillow does)', async () => {
    const full = Buffer.from(fs.readFileSync(path.join(goldenDir, 'tall_300x900.jpg')))
    const sos = full.indexOf(Buffer.from([0xff, 0xda]))
    for (let i = sos + 2000; i < sos + 2040; i++) full[i] = (full[i]! ^ 0x33) === 0xff || full[i] === 0xff ? 0x12 : full[i]! ^ 0x33
    const got = await clipRgbFromBuffer(full, 'damaged.jpg')
    expect(got.rgb.length).toBe(224 * 224 * 3)
    // and libvips really did warn about it: the strict mode refuses the same bytes
    await expect(sharp(full, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow()
  })

  it('corrupt PNG data (damaged compressed stream)', async () => {
    const full = Buffer.from(fs.readFileSync(path.join(goldenDir, 'landscape_640x480.png')))
    for (let i = 200; i < full.length - 100; i += 97) full[i] = full[i]! ^ 0x5a
    const file = path.join(dir, 'corrupt.png')
    fs.writeFileSync(file, full)
    await expectError(file, 'corrupt', /corrupt or truncated image/)
  })

  it('missing file and a folder', async () => {
    await expectError(path.join(dir, 'nope.png'), 'unreadable', /cannot read image \(no such file\)/)
    await expectError(dir, 'unreadable', /cannot read image \(is a folder, not an image\)/)
  })
})
