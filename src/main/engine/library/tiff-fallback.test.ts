// The TIFFs libvips refuses and Pillow shows, read by our own reader: files we
// generate here (each kind real files have shown us), and the real ones from
// ../shared/realworld when the set is there (skipped, saying so, when absent).
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/helpers/photo-folders.ts'
import { realWorldSetDir } from '../../../../test/helpers/realworld-set.ts'
import { pack12, tiff, tiffSize as size, type Entry } from '../../../../test/helpers/tiff-bytes.ts'
import { makeThumbnail, probeImage, thumbnailPath } from './images.ts'
import { decodeTiffFallback, readTiffHeader } from './tiff-fallback.ts'

function floats(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => b.writeFloatLE(v, i * 4))
  return b
}

const pixel = (img: { data: Buffer; width: number; channels: number }, x: number, y: number): number[] => [
  ...img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x) * img.channels + 3),
]

async function libvipsRefuses(file: Buffer): Promise<boolean> {
  return await sharp(file, { failOn: 'truncated' })
    .raw()
    .toBuffer()
    .then(
      () => false,
      () => true,
    )
}

describe("Photocap's TIFF reader (for what libvips refuses)", () => {
  it('reads 12-bit grey packed across bytes, scaled to 8 bits', async () => {
    const file = tiff(
      [...size(3, 2), [258, 3, [12]], [259, 3, [1]], [262, 3, [1]], [277, 3, [1]], [278, 3, [2]]],
      [
        pack12([
          [0, 4095, 2048],
          [1024, 3071, 100],
        ]),
      ],
    )
    expect(await libvipsRefuses(file)).toBe(true)
    const img = decodeTiffFallback(file, 1e6)
    if (img.kind !== 'pixels') throw new Error('expected pixels')
    expect([pixel(img, 0, 0), pixel(img, 1, 0), pixel(img, 2, 0), pixel(img, 0, 1)]).toEqual([
      [0, 0, 0],
      [255, 255, 255],
      [128, 128, 128],
      [64, 64, 64],
    ])
  })

  it('reads a file without PhotometricInterpretation as grey, and float samples by their own range', async () => {
    const file = tiff([...size(4, 1), [258, 3, [32]], [259, 3, [1]], [277, 3, [1]], [278, 3, [1]], [339, 3, [3]]], [floats([-2, 0, 2, 1])])
    expect(await libvipsRefuses(file)).toBe(true)
    const img = decodeTiffFallback(file, 1e6)
    if (img.kind !== 'pixels') throw new Error('expected pixels')
    expect([0, 1, 2, 3].map((x) => pixel(img, x, 0)[0])).toEqual([0, 128, 255, 191])
    // floats within [0, 1] keep that meaning: 0.5 is mid grey, not stretched
    const unit = decodeTiffFallback(
      tiff([...size(2, 1), [258, 3, [32]], [259, 3, [1]], [277, 3, [1]], [278, 3, [1]], [339, 3, [3]]], [floats([0.5, 0.75])]),
      1e6,
    )
    if (unit.kind !== 'pixels') throw new Error('expected pixels')
    expect([pixel(unit, 0, 0)[0], pixel(unit, 1, 0)[0]]).toEqual([128, 191])
  })

  it('converts CIELab (signed a*, b*) and ICCLab to sRGB', async () => {
    // white, black, and a saturated red (D50 Lab of sRGB red is about 54, 81, 70)
    const cielab = tiff(
      [...size(3, 1), [258, 3, [8, 8, 8]], [259, 3, [1]], [262, 3, [8]], [277, 3, [3]], [278, 3, [1]]],
      [Buffer.from([255, 0, 0, 0, 0, 0, 138, 81, 70])],
    )
    expect(await libvipsRefuses(cielab)).toBe(true)
    const img = decodeTiffFallback(cielab, 1e6)
    if (img.kind !== 'pixels') throw new Error('expected pixels')
    expect(pixel(img, 0, 0)).toEqual([255, 255, 255])
    expect(pixel(img, 1, 0)).toEqual([0, 0, 0])
    const [r, g, b] = pixel(img, 2, 0)
    expect(r).toBeGreaterThan(240)
    expect(g).toBeLessThan(30)
    expect(b).toBeLessThan(30)
    // ICCLab: the same colours with 128 as zero
    const icclab = tiff(
      [...size(3, 1), [258, 3, [8, 8, 8]], [259, 3, [1]], [262, 3, [9]], [277, 3, [3]], [278, 3, [1]]],
      [Buffer.from([255, 128, 128, 0, 128, 128, 138, 209, 198])],
    )
    const same = decodeTiffFallback(icclab, 1e6)
    expect(same.kind === 'pixels' && same.data.equals(img.data)).toBe(true)
  })

  it('reads PackBits and Deflate strips as the same pixels as uncompressed ones', () => {
    const rows = Buffer.from([10, 10, 10, 10, 20, 30, 40, 50])
    const common: Entry[] = [...size(4, 2), [258, 3, [8]], [262, 3, [1]], [277, 3, [1]], [278, 3, [1]]]
    const plain = decodeTiffFallback(tiff([...common, [259, 3, [1]]], [rows.subarray(0, 4), rows.subarray(4)]), 1e6)
    // PackBits: a run of four 10s, then four literals
    const packbits = decodeTiffFallback(tiff([...common, [259, 3, [32773]]], [Buffer.from([0xfd, 10]), Buffer.from([3, 20, 30, 40, 50])]), 1e6)
    const deflate = decodeTiffFallback(tiff([...common, [259, 3, [8]]], [zlib.deflateSync(rows.subarray(0, 4)), zlib.deflateSync(rows.subarray(4))]), 1e6)
    expect(plain.kind === 'pixels' && packbits.kind === 'pixels' && deflate.kind === 'pixels').toBe(true)
    expect((packbits as { data: Buffer }).data.equals((plain as { data: Buffer }).data)).toBe(true)
    expect((deflate as { data: Buffer }).data.equals((plain as { data: Buffer }).data)).toBe(true)
  })

  it('refuses, naming the reason, what it does not read or what is cut short, and checks the pixel limit before decoding', () => {
    const grey12: Entry[] = [
      [258, 3, [12]],
      [262, 3, [1]],
      [277, 3, [1]],
      [278, 3, [2]],
    ]
    expect(() => decodeTiffFallback(tiff([...size(3, 2), ...grey12, [259, 3, [5]]], [Buffer.alloc(9)]), 1e6)).toThrow(
      'compression 5 (LZW) is not supported by this reader',
    )
    expect(() => decodeTiffFallback(tiff([...size(3, 2), ...grey12, [259, 3, [1]]], [Buffer.alloc(5)]), 1e6)).toThrow(
      /strip 1 of 1 has 5 bytes, its rows need 10 \(cut short\?\)/,
    )
    expect(() => decodeTiffFallback(tiff([...size(30000, 30000), ...grey12, [259, 3, [1]]], [Buffer.alloc(9)]), 1e6)).toThrow(
      'image is 30000x30000, above the pixel limit',
    )
    expect(() => decodeTiffFallback(tiff([...size(3, 2), [258, 3, [8]], [262, 3, [5]], [277, 3, [4]], [259, 3, [1]]], [Buffer.alloc(24)]), 1e6)).toThrow(
      'photometric interpretation 5 (CMYK) is not supported by this reader',
    )
    expect(() => readTiffHeader(Buffer.from('II*\0\xff\xff\0\0', 'latin1'))).toThrow(/past the end of the file/)
    expect(() => readTiffHeader(Buffer.from('not a tiff at all'))).toThrow(/not a TIFF/)
  })
})

describe('TIFFs libvips refuses, in the library', () => {
  it('probes and thumbnails them with a note, turned by their Orientation tag, never writing the original', async () => {
    const dir = await tempDir()
    // 12-bit, 4 wide and 2 high, orientation 6 (displayed 2 wide, 4 high); left half black, right half white
    const file = path.join(dir, 'scan-12bit.tif')
    const bytes = tiff(
      [...size(4, 2), [258, 3, [12]], [259, 3, [1]], [262, 3, [1]], [274, 3, [6]], [277, 3, [1]], [278, 3, [2]]],
      [
        pack12([
          [0, 0, 4095, 4095],
          [0, 0, 4095, 4095],
        ]),
      ],
    )
    await fs.writeFile(file, bytes)
    expect(await probeImage(file)).toEqual({ format: 'tiff', width: 2, height: 4 })
    const result = await makeThumbnail(file, dir, 'k12')
    expect(result.note).toMatch(/^read by Photocap's TIFF reader: libvips cannot decode it \(.*samples_per_pixel/)
    const thumb = await sharp(thumbnailPath(dir, 'k12', 'small'))
      .raw()
      .toBuffer({ resolveWithObject: true })
    expect([thumb.info.width, thumb.info.height]).toEqual([2, 4])
    // turned 90° clockwise: the black left half is now the top
    expect(thumb.data[0]).toBeLessThan(40)
    expect(thumb.data[(3 * 2 + 1) * 3]).toBeGreaterThan(215)
    expect(Buffer.compare(await fs.readFile(file), bytes)).toBe(0)
  })

  it('decodes an old-style JPEG TIFF through its embedded JPEG stream', async () => {
    const dir = await tempDir()
    const jpeg = await sharp({ create: { width: 64, height: 16, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .toBuffer()
    const entries: Entry[] = [
      ...size(64, 16),
      [258, 3, [8, 8, 8]],
      [259, 3, [6]],
      [262, 3, [6]],
      [277, 3, [3]],
      [278, 3, [16]],
      [513, 4, [8 + 2 + 11 * 12 + 4]],
      [514, 4, [jpeg.length]],
    ]
    const file = path.join(dir, 'ojpeg.tif')
    await fs.writeFile(file, tiff(entries, [], jpeg))
    expect(await probeImage(file).catch(() => null)).toMatchObject({ width: 64, height: 16 })
    const result = await makeThumbnail(file, dir, 'kojpeg')
    expect(result.note).toMatch(/^read by Photocap's TIFF reader/)
    const { data } = await sharp(thumbnailPath(dir, 'kojpeg', 'small'))
      .raw()
      .toBuffer({ resolveWithObject: true })
    expect(data[0]).toBeGreaterThan(170)
    expect(data[1]).toBeLessThan(70)
  })

  it('refuses a TIFF neither libvips nor our reader can read, giving both reasons', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'lzw-no-photometric.tif')
    await fs.writeFile(file, tiff([...size(3, 2), [258, 3, [12]], [259, 3, [5]], [277, 3, [1]], [278, 3, [2]]], [crypto.randomBytes(9)]))
    await expect(makeThumbnail(file, dir, 'klzw')).rejects.toThrow(
      /^cannot decode image: .*; nor can Photocap's TIFF reader: compression 5 \(LZW\) is not supported by this reader$/,
    )
  })
})

const pillowDir = path.join(realWorldSetDir, 'pillow')
const haveSet = existsSync(pillowDir)
if (!haveSet) console.warn(`tiff-fallback.test.ts: real-file cases skipped, the public real-world set is not at ${pillowDir}`)

describe.skipIf(!haveSet)('real TIFFs libvips refuses and Pillow shows (../shared/realworld)', () => {
  // Sizes as Pillow reports them (Image.open(f).size); the middle pixel of hopper.Lab.tif as Pillow converts it to RGB.
  const cases = {
    '10ct_32bit_128.tiff': [128, 128],
    '12bit.cropped.tif': [100, 100],
    'hopper.Lab.tif': [128, 128],
    'lab.tif': [10, 10],
    'old-style-jpeg-compression.tif': [4160, 870],
  } as const
  for (const [name, [w, h]] of Object.entries(cases)) {
    it(`${name}: shown at ${w}x${h}`, async () => {
      const file = path.join(pillowDir, name)
      expect(await probeImage(file)).toMatchObject({ width: w, height: h })
      const dir = await tempDir()
      const result = await makeThumbnail(file, dir, 'real')
      expect(result.note).toMatch(/^read by Photocap's TIFF reader/)
      const meta = await sharp(thumbnailPath(dir, 'real', 'small')).metadata()
      expect(Math.max(meta.width!, meta.height!)).toBe(Math.min(320, Math.max(w, h)))
    })
  }

  it("hopper.Lab.tif's colours are Pillow's", async () => {
    const img = decodeTiffFallback(await fs.readFile(path.join(pillowDir, 'hopper.Lab.tif')), 1e6)
    if (img.kind !== 'pixels') throw new Error('expected pixels')
    const [r, g, b] = pixel(img, 64, 64)
    for (const [ours, pillows] of [
      [r, 172],
      [g, 70],
      [b, 55],
    ] as const)
      expect(Math.abs(ours! - pillows)).toBeLessThanOrEqual(2)
  })
})
