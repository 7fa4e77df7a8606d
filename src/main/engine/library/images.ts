// Decoding photos for the library: a header probe (format, size, pixel limit)
// and the two thumbnail sizes. Originals are only ever read (sharp opens the
// path read-only; heic-decode, the BMP decoder and exiftool get bytes we read
// with flag 'r').
//
// [Note: pixel limit]
// A 50000x50000 PNG is a few hundred KB on disk and 7.5 GB decoded. We refuse
// anything above `maxPixels` from the header alone, before decoding, and pass
// the same limit to sharp (`limitInputPixels`) as a second line of defence.
// It is the ML decoder's limit (Pillow's bomb threshold, 179 MP), so a photo
// the library admits is one the captioner can read.
//
// [Note: one decode policy]
// We decode what mainstream viewers show: libjpeg's warnings (junk before a
// marker, a bad EXIF block, extraneous bytes) do not refuse a photo, they
// become a note on it; truncated or unreadable data is refused. This is the
// ML path's policy too (failOn 'truncated' in ml/preprocess/image-decode.ts).
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp, { type Metadata, type Sharp } from 'sharp'
import { asStillAvif, DEFAULT_MAX_PIXELS, heifBrand } from '../../ml/preprocess/image-decode.ts'
import { bmpSize, decodeBmp } from './bmp.ts'
import { readHead, sniffContainer } from './containers.ts'
import { isRawName } from './files.ts'
import { readHeifTransform, type HeifTransform } from './heif-transform.ts'
import { decodeRaw, RawDecodeError, readRawHeader } from './raw-decode.ts'
import { decodeTiffFallback, readTiffHeader } from './tiff-fallback.ts'

// See [Note: sharp threads] in jobs/pipeline.ts: parallelism comes from
// several images at once, not several threads per image.
sharp.concurrency(1)

export const maxPixels = DEFAULT_MAX_PIXELS

export const thumbnailSizes = { small: 320, large: 960 } as const
export type ThumbnailSize = keyof typeof thumbnailSizes

/** What transparent pixels become in thumbnails and previews: a neutral grey on which both black and white artwork shows. */
export const flattenBackground = '#b0b0b0'

export interface ImageProbe {
  format: string
  /** Displayed size, after EXIF rotation. */
  width: number
  height: number
}

/** A file that can never become a photo (not an image, corrupt, too large): do not retry. */
export class ImageRejectedError extends Error {
  readonly permanent = true
  constructor(message: string) {
    super(message)
    this.name = 'ImageRejectedError'
  }
}

const heifFormats = new Set(['heif', 'heic', 'avif'])

/**
 * How a file's pixels are reached: sharp on the file, or on bytes we produced (BMP decode, a RAW's embedded JPEG),
 * or, for a RAW without a preview, LibRaw's development of it (`raw-file`: header read, pixels developed on decode).
 */
type Source =
  | { kind: 'file'; file: string; heif?: HeifTransform; still?: Buffer }
  | { kind: 'buffer'; data: Buffer; format: string; /** EXIF-style, for bytes that carry none (a TIFF's JPEG stream) */ orientation?: number }
  | {
      kind: 'raw-pixels'
      data: Buffer
      width: number
      height: number
      channels: 3 | 4
      format: string
      /** EXIF-style, for pixels from our TIFF reader */ orientation?: number
    }
  | { kind: 'raw-file'; file: string; width: number; height: number; format: string }

// Extensions whose content sharp identifies by itself: no sniffing read needed (see readContainer's note).
const plainExtensions = /\.(jpe?g|jpe|png|webp|gif|tiff?)$/i

async function sourceOf(file: string): Promise<Source> {
  if (plainExtensions.test(file)) return { kind: 'file', file }
  const head = await readHead(file, 64).catch(() => Buffer.alloc(0))
  const kind = sniffContainer(head)
  if (kind === 'bmp') {
    const data = await fs.readFile(file, { flag: 'r' })
    const { width, height } = bmpSize(data)
    checkLimit(width, height)
    try {
      const img = decodeBmp(data, maxPixels)
      return { kind: 'raw-pixels', data: img.data, width: img.width, height: img.height, channels: 4, format: 'bmp' }
    } catch (error) {
      throw new ImageRejectedError(`cannot decode BMP image: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  if (isRawName(file)) {
    const { extractRawPreview } = await import('./exiftool-reader.ts')
    const preview = await extractRawPreview(file).catch(() => null)
    const format = `raw:${path.extname(file).slice(1).toLowerCase()}`
    if (preview) return { kind: 'buffer', data: preview, format }
    // No preview: LibRaw develops the sensor data ([Note: RAW without a preview] in raw-decode.ts).
    try {
      const header = await readRawHeader(file)
      checkLimit(header.width, header.height)
      return { kind: 'raw-file', file, width: header.width, height: header.height, format }
    } catch (error) {
      if (!(error instanceof RawDecodeError)) throw error
      // Not RAW data at all, but a TIFF (an RGB image named .dng): libvips reads it below.
      if (!(error.notRaw && kind === 'tiff')) throw new ImageRejectedError(`RAW file without an embedded JPEG preview, and ${error.message}`)
    }
  }
  // HEIF/AVIF: rotation and mirroring are item properties sharp does not apply (heif-transform.ts).
  // An animated AVIF is decoded as its still first frame ([Note: animated AVIF] in ml/preprocess/image-decode.ts).
  if (kind === 'isobmff' && heifBrand(head) === 'avis') {
    const still = asStillAvif(await fs.readFile(file, { flag: 'r' }))
    if (still) return { kind: 'file', file, heif: await readHeifTransform(file), still }
  }
  if (kind === 'isobmff') return { kind: 'file', file, heif: await readHeifTransform(file) }
  return { kind: 'file', file }
}

function sharpOf(src: Source, failOn: 'warning' | 'truncated' | 'error' | 'none', limit: number | false = maxPixels): Sharp {
  // sharp's defaults: an animated GIF/WebP shows its first frame (pages 1, page 0),
  // a HEIF/AVIF its primary image (an explicit page 0 would pick the first one instead);
  // an animated AVIF its still first frame (`still`, [Note: animated AVIF]).
  const opts = { limitInputPixels: limit, failOn } as const
  if (src.kind === 'file') return sharp(src.still ?? src.file, opts)
  if (src.kind === 'buffer') return sharp(src.data, opts)
  if (src.kind === 'raw-file') throw new Error('a RAW file is developed before it is decoded (openForDecode)')
  return sharp(src.data, { raw: { width: src.width, height: src.height, channels: src.channels }, limitInputPixels: limit })
}

function checkLimit(width: number, height: number): void {
  if (width * height > maxPixels) {
    throw new ImageRejectedError(
      `image is ${width}x${height} (${((width * height) / 1e6).toFixed(0)} MP), above the ${(maxPixels / 1e6).toFixed(0)} MP pixel limit`,
    )
  }
}

/** Files the ML decoder cannot read itself (RAW, BMP): it is given their JPEG preview instead. */
export function needsStandIn(file: string): boolean {
  return isRawName(file) || /\.(bmp|dib)$/i.test(file)
}

export async function probeImage(file: string): Promise<ImageProbe> {
  const src = await sourceOf(file)
  if (src.kind === 'raw-pixels' || src.kind === 'raw-file') return { format: src.format, width: src.width, height: src.height }
  let meta: Metadata
  try {
    // No pixel limit here: reading the header is safe, and we want our own message below.
    meta = await decodeSlot.shared(() => sharpOf(src, 'error', false).metadata())
  } catch (error) {
    // A HEIF whose codec or boxes libvips does not take may still be one libheif (wasm) reads.
    const viaLibheif = src.kind === 'file' && src.heif ? await heifSize(src.file) : null
    if (viaLibheif) return viaLibheif
    // A TIFF libvips refuses may be one our own reader takes ([Note: TIFFs libvips refuses]).
    const tiff = (await isPlainTiff(src)) ? await tiffSize(file) : null
    if (tiff) return tiff
    throw new ImageRejectedError(`not a readable image: ${await ownReason(error, src)}`)
  }
  const { width, height, format } = meta
  if (!format || !width || !height) throw new ImageRejectedError('not a readable image: no dimensions in header')
  // (animated images: `height` is one frame's, pages: 1)
  checkLimit(width, height)
  // HEIF: irot decides, not EXIF Orientation (which HEIF says to ignore).
  const rotated = src.kind === 'file' && src.heif ? src.heif.rotateCw === 90 || src.heif.rotateCw === 270 : (meta.orientation ?? 1) >= 5
  return { format: src.kind === 'buffer' ? src.format : format, width: rotated ? height : width, height: rotated ? width : height }
}

/** Where a thumbnail of content `key` lives in the content-addressed cache. */
export function thumbnailPath(cacheDir: string, key: string, size: ThumbnailSize): string {
  return path.join(cacheDir, 'thumbnails', key.slice(0, 2), `${key}-${thumbnailSizes[size]}.jpg`)
}

/**
 * [Note: thumbnail and preview]
 * Ingest makes only the grid thumbnail (320 px). Decoding is the whole cost of
 * a 12 MP JPEG, and libjpeg can decode at 1/8 scale (shrink-on-load), which
 * for 320 px is enough and saves ~30% against the 1/4 scale a 960 px image
 * needs. The 960 px preview for the photo view is made when a photo is first
 * opened (`makePreview`, ~0.1 s) and cached like the thumbnail: most photos of
 * a large library are never opened one by one, so making every preview at
 * ingest would spend a third more CPU and ~100 KB of disk per photo on images
 * nobody looks at. A photo whose disk is away shows its thumbnail instead.
 */
export async function makeThumbnail(file: string, cacheDir: string, key: string): Promise<DecodeResult> {
  return await renderCached(file, thumbnailPath(cacheDir, key, 'small'), thumbnailSizes.small, 78)
}

/**
 * [Note: screen-sized previews]
 * The photo view asks for the long side its screen needs (stage size times
 * devicePixelRatio), and for the photo's own size when zoomed in. The request
 * is rounded up to a few buckets, so a window resized by a few pixels reuses
 * the cached file and a page cannot fill the cache with one file per width;
 * it is never above the photo's own long side (no upscaling, and a small
 * photo has one preview whatever is asked), and at most `fullSizeCap` px.
 * Previews are written to the cache only; the original is read, never written.
 */
export const previewBuckets = [960, 1600, 2560, 3840] as const
/** The largest "full resolution" preview: past it (panoramas, scans) the file is shown at this long side. */
export const fullSizeCap = 8192

/** The long side to render a preview at, for a requested width and the photo's long side (null: unknown). */
export function previewSize(requested: number | undefined, longSide: number | null): number {
  const want = requested === undefined ? thumbnailSizes.large : requested
  const bucket = previewBuckets.find((b) => b >= want)
  // Past the largest bucket, the photo's own size (zoom to 100%).
  const size = bucket ?? Math.min(fullSizeCap, longSide ?? 3840)
  // A photo smaller than the bucket is shown at its own size: one file, the smallest bucket's when it fits in it.
  if (longSide !== null && longSide > 0 && longSide < size) return Math.max(thumbnailSizes.large, Math.min(longSide, fullSizeCap))
  return size
}

/** Where a preview of content `key` at long side `size` lives; 960 is the default preview's own file. */
export function previewPath(cacheDir: string, key: string, size: number): string {
  return path.join(cacheDir, 'thumbnails', key.slice(0, 2), `${key}-${size}.jpg`)
}

/** The photo view's preview, 960 px unless a size is given (see [Note: thumbnail and preview], [Note: screen-sized previews]). */
export async function makePreview(file: string, cacheDir: string, key: string, size: number = thumbnailSizes.large): Promise<DecodeResult> {
  return await renderCached(file, previewPath(cacheDir, key, size), size, size > thumbnailSizes.large ? 86 : 82)
}

export interface DecodeResult {
  /** The decoder's warning when the photo decoded despite it ([Note: one decode policy]); null when clean or already cached. */
  note: string | null
}

/** Decode `file` once, EXIF-rotated, flattened and sRGB, fit inside size x size, and write it as a JPEG at `target` unless it exists (same content, same image). */
async function renderCached(file: string, target: string, size: number, quality: number): Promise<DecodeResult> {
  if (await exists(target)) return { note: null }
  await fs.mkdir(path.dirname(target), { recursive: true })
  const src = await openForDecode(file, size)
  let jpeg: Buffer
  let note: string | null = null
  try {
    jpeg = await render(src, 'warning', size, quality)
  } catch (strict) {
    // A warning only: decode again leniently, and keep what the decoder said as a note.
    try {
      jpeg = await render(src, 'truncated', size, quality)
      note = `decoded despite a decoder warning: ${await ownReason(strict, src, 'warning')}`
    } catch (error) {
      if (error instanceof ImageRejectedError) throw error
      const why = await ownReason(error, src, 'truncated')
      if (await isPlainTiff(src)) {
        const own = await ownTiffReader(file, why)
        try {
          jpeg = await render(own, 'truncated', size, quality)
        } catch (again) {
          throw new ImageRejectedError(`cannot decode image: ${why}; nor what Photocap's TIFF reader found in it: ${firstLine(again)}`)
        }
        note = `read by Photocap's TIFF reader: libvips cannot decode it (${why})`
      } else {
        // A multi-picture JPEG (UltraHDR gain map, MPO stereo pair) makes libjpeg say
        // "premature end" at the second picture: the first is whole, and viewers show it.
        if (!(/premature end/i.test(why) && (await isMultiPictureJpeg(src)))) throw new ImageRejectedError(`cannot decode image: ${why}`)
        try {
          jpeg = await render(src, 'none', size, quality)
          note = `multi-picture JPEG: decoded its first picture (libjpeg said: ${why})`
        } catch (again) {
          throw new ImageRejectedError(`cannot decode image: ${firstLine(again)}`)
        }
      }
    }
  }
  await atomicWrite(target, jpeg)
  return { note }
}

async function render(src: Source, failOn: 'warning' | 'truncated' | 'none', size: number, quality: number): Promise<Buffer> {
  return await decodeSlot.shared(() =>
    oriented(src, sharpOf(src, failOn))
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      // Transparent pixels: a neutral grey, not JPEG's black (black-on-transparent logos stay visible).
      .flatten({ background: flattenBackground })
      .toColourspace('srgb')
      // Huffman-table optimisation costs ~6x the encode time for ~5% smaller
      // files: not worth it on the ingest path.
      .jpeg({ quality, optimiseCoding: false })
      .toBuffer(),
  )
}

/** Displayed size of a HEIF's primary image as libheif (wasm) sees it (transforms applied), or null. */
async function heifSize(file: string): Promise<ImageProbe | null> {
  try {
    // @ts-expect-error heic-decode ships no type declarations
    const mod = (await import('heic-decode')) as { default: { all: (o: { buffer: Buffer }) => Promise<{ width: number; height: number }[]> } }
    const images = await mod.default.all({ buffer: await fs.readFile(file, { flag: 'r' }) })
    const first = images[0]
    ;(images as unknown as { dispose?: () => void }).dispose?.()
    if (!first || !first.width || !first.height) return null
    checkLimit(first.width, first.height)
    return { format: 'heif', width: first.width, height: first.height }
  } catch (error) {
    if (error instanceof ImageRejectedError) throw error
    return null
  }
}

/**
 * [Note: TIFFs libvips refuses]
 * libvips refuses some TIFFs Pillow and most viewers show: no
 * PhotometricInterpretation, 12-bit or floating-point grey, CIELab, old-style
 * JPEG. Those fall back to our own small reader (tiff-fallback.ts), only after
 * libvips has failed, so every TIFF it reads is still read by libvips. A photo
 * read this way carries a note saying so, and the note makes the captioner
 * read the preview we made instead of the file (pipeline.ts's stand-in), as the
 * ML decoder is libvips too.
 */
async function isPlainTiff(src: Source): Promise<boolean> {
  if (src.kind !== 'file' || src.heif || isRawName(src.file)) return false
  return sniffContainer(await readHead(src.file, 8).catch(() => Buffer.alloc(0))) === 'tiff'
}

/** Displayed size of a TIFF as our reader sees it, or null when it cannot read the header either. */
async function tiffSize(file: string): Promise<ImageProbe | null> {
  let header
  try {
    header = readTiffHeader(await fs.readFile(file, { flag: 'r' }))
  } catch {
    return null
  }
  checkLimit(header.width, header.height)
  const turned = header.orientation >= 5 && header.orientation <= 8
  return { format: 'tiff', width: turned ? header.height : header.width, height: turned ? header.width : header.height }
}

/** What our reader makes of a TIFF libvips refused (`libvipsSaid`): its pixels, or its JPEG stream; refused with both reasons when it cannot either. */
async function ownTiffReader(file: string, libvipsSaid: string): Promise<Source> {
  let img
  try {
    img = decodeTiffFallback(await fs.readFile(file, { flag: 'r' }), maxPixels)
  } catch (error) {
    throw new ImageRejectedError(`cannot decode image: ${libvipsSaid}; nor can Photocap's TIFF reader: ${firstLine(error)}`)
  }
  const { orientation } = img
  if (img.kind === 'pixels')
    return { kind: 'raw-pixels', data: img.data, width: img.width, height: img.height, channels: img.channels, format: 'tiff', orientation }
  // Old-style JPEG: the embedded JPEG stream, decoded by libjpeg like any JPEG (in the one render).
  return { kind: 'buffer', data: img.data, format: 'tiff', orientation }
}

/** A JPEG with an MPF (multi-picture format) APP2 segment among its first 64 KB. */
async function isMultiPictureJpeg(src: Source): Promise<boolean> {
  if (src.kind !== 'file') return false
  const head = await readHead(src.file, 65536).catch(() => Buffer.alloc(0))
  return sniffContainer(head) === 'jpeg' && head.includes(Buffer.from('MPF\0', 'latin1'))
}

/** EXIF orientation applied, or for HEIF/AVIF decoded by sharp its irot/imir. */
function oriented(src: Source, s: Sharp): Sharp {
  if ((src.kind === 'raw-pixels' || src.kind === 'buffer') && src.orientation !== undefined) return withOrientation(s, src.orientation)
  const t = src.kind === 'file' ? src.heif : undefined
  if (!t) return s.rotate()
  let out = t.rotateCw ? s.rotate(t.rotateCw) : s
  // sharp rotates before it mirrors; a mirror listed before a quarter turn is the other axis after it
  let mirror = t.mirror
  if (mirror && !t.rotateFirst && (t.rotateCw === 90 || t.rotateCw === 270)) mirror = mirror === 'vertical' ? 'horizontal' : 'vertical'
  if (mirror === 'vertical') out = out.flop()
  else if (mirror === 'horizontal') out = out.flip()
  return out
}

/** EXIF orientation 2–8 applied to pixels that carry no EXIF of their own. */
function withOrientation(s: Sharp, orientation: number): Sharp {
  const turn: Record<number, number> = { 3: 180, 5: 90, 6: 90, 7: 270, 8: 270 }
  const out = turn[orientation] ? s.rotate(turn[orientation]) : s
  return orientation === 2 || orientation === 5 || orientation === 7 ? out.flop() : orientation === 4 ? out.flip() : out
}

/** The file's pixels for a render of long side `size` (a RAW without a preview is developed here, at half size when that is enough). */
async function openForDecode(file: string, size: number): Promise<Source> {
  const src = await sourceOf(file)
  if (src.kind === 'raw-file') {
    try {
      const img = await decodeRaw(file, size, maxPixels)
      return { kind: 'raw-pixels', data: img.data, width: img.width, height: img.height, channels: 3, format: src.format }
    } catch (error) {
      if (error instanceof RawDecodeError) throw new ImageRejectedError(`cannot decode image: ${error.message}`)
      throw error
    }
  }
  if (src.kind !== 'file') return src
  const ext = path.extname(file).toLowerCase()
  if (ext !== '.heic' && ext !== '.heif') return src
  // sharp's prebuilt libvips has no HEVC decoder: fall back to libheif in wasm.
  const meta = await sharp(src.still ?? file, { limitInputPixels: false })
    .metadata()
    .catch(() => null)
  if (meta && meta.format && !heifFormats.has(meta.format)) return src
  if (meta?.compression === 'av1') return src
  // @ts-expect-error heic-decode ships no type declarations
  const mod = (await import('heic-decode')) as { default: (o: { buffer: Buffer }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }> }
  const decode = mod.default
  const buffer = await fs.readFile(file, { flag: 'r' })
  let img: { width: number; height: number; data: Uint8ClampedArray }
  try {
    img = await decode({ buffer })
  } catch (error) {
    throw new ImageRejectedError(`cannot decode HEIC/HEIF image: ${error instanceof Error ? error.message : String(error)}`)
  }
  checkLimit(img.width, img.height)
  return {
    kind: 'raw-pixels',
    data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
    width: img.width,
    height: img.height,
    channels: 4,
    format: 'heif',
  }
}

/**
 * [Note: each file its own failure reason]
 * libvips keeps decoder errors in one process-wide buffer, so with several
 * images in flight a failure can carry another file's text (and path). The
 * reason we store is therefore re-derived from a decode of this file alone:
 * the failing step is run again while no other decode runs (an exclusive
 * slot; normal decodes share it), and any path in the message that is not this
 * file's is removed. Failures are rare, so the serialised re-run costs nothing
 * on healthy libraries.
 */
async function ownReason(error: unknown, src: Source, failOn: 'warning' | 'truncated' | 'error' = 'error'): Promise<string> {
  let message = firstLine(error)
  try {
    await decodeSlot.exclusive(async () => {
      if (failOn === 'error') await sharpOf(src, 'error', false).metadata()
      else await sharpOf(src, failOn).resize(8, 8, { fit: 'inside' }).raw().toBuffer()
    })
  } catch (alone) {
    message = firstLine(alone)
  }
  return scrubOtherPaths(message, src.kind === 'file' ? src.file : null)
}

function firstLine(error: unknown): string {
  const msg = error instanceof Error ? error.message : String(error)
  const first = msg
    .split('\n')[0]!
    .replace(/^Input file /, '')
    .trim()
  if (/^Warning treated as error due to failOn setting/.test(first)) return 'the decoder reported a problem with the image data'
  return first
}

/** Remove any absolute path from a decoder message except `own` (a leaked name of another file must not appear). */
export function scrubOtherPaths(message: string, own: string | null): string {
  return message.replace(/(?:[A-Za-z]:)?[\\/][^\s:"'()]*[\\/][^\s:"'()]*/g, (p) => (own !== null && (p === own || own.endsWith(p)) ? p : '(file)'))
}

/** Shared/exclusive slot for libvips work in this process ([Note: each file its own failure reason]). */
class DecodeSlot {
  private active = 0
  private exclusiveActive = false
  private exclusiveWanted = 0
  private waiting: (() => void)[] = []
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusiveActive || this.exclusiveWanted > 0) await new Promise<void>((r) => this.waiting.push(r))
    this.active++
    try {
      return await fn()
    } finally {
      this.active--
      this.wake()
    }
  }
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.exclusiveWanted++
    while (this.exclusiveActive || this.active > 0) await new Promise<void>((r) => this.waiting.push(r))
    this.exclusiveWanted--
    this.exclusiveActive = true
    try {
      return await fn()
    } finally {
      this.exclusiveActive = false
      this.wake()
    }
  }
  private wake(): void {
    const w = this.waiting
    this.waiting = []
    for (const r of w) r()
  }
}

const decodeSlot = new DecodeSlot()

async function atomicWrite(target: string, data: Buffer): Promise<void> {
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  await fs.writeFile(tmp, data)
  await fs.rename(tmp, target)
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p)
    return true
  } catch {
    return false
  }
}
