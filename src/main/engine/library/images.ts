// Decoding photos for the library: a header probe (format, size, pixel limit)
// and the two thumbnail sizes. Originals are only ever read (sharp opens the
// path read-only; heic-decode gets a buffer we read with flag 'r').
//
// [Note: pixel limit]
// A 50000x50000 PNG is a few hundred KB on disk and 7.5 GB decoded. We refuse
// anything above `maxPixels` from the header alone, before decoding, and pass
// the same limit to sharp (`limitInputPixels`) as a second line of defence.
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp, { type Metadata, type Sharp } from 'sharp'

// See [Note: sharp threads] in jobs/pipeline.ts: parallelism comes from
// several images at once, not several threads per image.
sharp.concurrency(1)

export const maxPixels = 200_000_000 // 200 MP: larger than any camera, smaller than a bomb.

export const thumbnailSizes = { small: 320, large: 960 } as const
export type ThumbnailSize = keyof typeof thumbnailSizes

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

export async function probeImage(file: string): Promise<ImageProbe> {
  let meta: Metadata
  try {
    // No pixel limit here: reading the header is safe, and we want our own message below.
    meta = await sharp(file, { limitInputPixels: false, failOn: 'error' }).metadata()
  } catch (error) {
    throw new ImageRejectedError(`not a readable image: ${reason(error)}`)
  }
  const { width, height, format } = meta
  if (!format || !width || !height) throw new ImageRejectedError('not a readable image: no dimensions in header')
  if (width * height > maxPixels) {
    throw new ImageRejectedError(`image is ${width}x${height} (${(width * height / 1e6).toFixed(0)} MP), above the ${maxPixels / 1e6} MP pixel limit`)
  }
  const rotated = (meta.orientation ?? 1) >= 5
  return { format, width: rotated ? height : width, height: rotated ? width : height }
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
export async function makeThumbnail(file: string, cacheDir: string, key: string): Promise<void> {
  await renderCached(file, thumbnailPath(cacheDir, key, 'small'), thumbnailSizes.small, 78)
}

/** The photo view's 960 px preview (see [Note: thumbnail and preview]). */
export async function makePreview(file: string, cacheDir: string, key: string): Promise<void> {
  await renderCached(file, thumbnailPath(cacheDir, key, 'large'), thumbnailSizes.large, 82)
}

/** Decode `file` once, EXIF-rotated and sRGB, fit inside size x size, and write it as a JPEG at `target` unless it exists (same content, same image). */
async function renderCached(file: string, target: string, size: number, quality: number): Promise<void> {
  if (await exists(target)) return
  await fs.mkdir(path.dirname(target), { recursive: true })
  let jpeg: Buffer
  try {
    const input = await openForDecode(file)
    // Huffman-table optimisation costs ~6x the encode time for ~5% smaller
    // files: not worth it on the ingest path.
    jpeg = await input
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .jpeg({ quality, optimiseCoding: false })
      .toBuffer()
  } catch (error) {
    if (error instanceof ImageRejectedError) throw error
    throw new ImageRejectedError(`cannot decode image: ${reason(error)}`)
  }
  await atomicWrite(target, jpeg)
}

async function openForDecode(file: string): Promise<Sharp> {
  const s = sharp(file, { limitInputPixels: maxPixels, failOn: 'warning' })
  const ext = path.extname(file).toLowerCase()
  if (ext !== '.heic' && ext !== '.heif') return s
  // sharp's prebuilt libvips has no HEVC decoder: fall back to libheif in wasm.
  const meta = await s.metadata().catch(() => null)
  if (meta && meta.format && !heifFormats.has(meta.format)) return s
  if (meta?.compression === 'av1') return s
  // @ts-expect-error heic-decode ships no type declarations
  const mod = (await import('heic-decode')) as { default: (o: { buffer: Buffer }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }> }
  const decode = mod.default
  const buffer = await fs.readFile(file, { flag: 'r' })
  const img = await decode({ buffer })
  if (img.width * img.height > maxPixels) throw new ImageRejectedError(`image is ${img.width}x${img.height}, above the pixel limit`)
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 4 } })
}

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

function reason(error: unknown): string {
  const msg = error instanceof Error ? error.message : String(error)
  const first = msg.split('\n')[0]!.replace(/^Input file /, '').trim()
  // libvips keeps the decoder's own warning per thread; with several images in
  // flight sharp sometimes only has its generic text left. Say what it means.
  if (/^Warning treated as error due to failOn setting/.test(first)) return 'corrupt or truncated image data (the decoder reported a problem)'
  return first
}
