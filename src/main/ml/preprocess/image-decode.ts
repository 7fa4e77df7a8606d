// The thin runner that turns an image file into CLIP pixels: sharp (libvips)
// decodes, auto-orients, resizes with its cubic (Catmull-Rom) kernel; HEIC/HEIF
// with HEVC inside goes through `heic-decode` (libheif in WebAssembly) because
// sharp's prebuilt libvips has no HEVC decoder. Everything after the resize is
// pure (normalize.ts). Every failure is an ImageLoadError naming the file.
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp'
import { clipGeometry, type ClipGeometry } from './geometry.ts'
import { cropToRgb, normalizeRgbToChw, stackChw } from './normalize.ts'

export type ImageLoadFailure = 'unreadable' | 'empty' | 'unsupported' | 'corrupt' | 'too-large'

export class ImageLoadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: ImageLoadFailure,
    detail: string,
  ) {
    super(`${file}: ${detail}`)
    this.name = 'ImageLoadError'
  }
}

// [Note: decompression bombs]
// The limit is checked on the header's dimensions before any pixel is decoded
// (and handed to libvips as limitInputPixels as a second guard). The default is
// Pillow's DecompressionBombError threshold (2 x 89,478,485 px, "179 MP" in the
// README). A 200-megapixel phone sensor's full-resolution mode (16320x12240,
// 199.8 MP) is above it; those phones' usual binned 12.5 and 50 MP shots are
// far below.
export const DEFAULT_MAX_PIXELS = 178_956_970

export interface ClipImageOptions {
  /** crop size from the pack's CLIP config (image_size); default 224 */
  size?: number
  /** refuse images with more pixels than this (decompression-bomb guard) */
  maxPixels?: number
}

export interface ClipRgb {
  /** RGB HWC u8 [size,size,3]: the canonical crop before normalisation */
  rgb: Uint8Array
  size: number
  /** decoded size after EXIF orientation */
  width: number
  height: number
  format: string
  geometry: ClipGeometry
}

export interface ClipPixels extends Omit<ClipRgb, 'rgb'> {
  /** normalised CHW float32 [3,size,size] */
  pixelValues: Float32Array
}

const PHOTO_FORMATS = new Set<string>(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif', 'jp2', 'jxl'])
const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs'])
const HEIF_GENERIC_BRANDS = new Set(['mif1', 'msf1', 'mif2'])

/** The ISO-BMFF major brand when the buffer starts with an `ftyp` box. */
export function heifBrand(buf: Uint8Array): string | undefined {
  return heifBrands(buf)?.[0]
}

/** Major brand then compatible brands of a leading `ftyp` box. */
function heifBrands(buf: Uint8Array): string[] | undefined {
  if (buf.length < 12) return undefined
  const ascii = (a: number, b: number): string => String.fromCharCode(...buf.subarray(a, b))
  if (ascii(4, 8) !== 'ftyp') return undefined
  const boxSize = Math.min(buf.length, ((buf[0]! << 24) | (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!) >>> 0)
  const brands = [ascii(8, 12)]
  for (let p = 16; p + 4 <= boxSize; p += 4) brands.push(ascii(p, p + 4))
  return brands
}

/**
 * [Note: animated AVIF]
 * An animated AVIF has the major brand `avis` (an image sequence), and libvips
 * refuses that brand outright ("unsupported image format"), although encoders
 * also store the first frame as the file's still primary image (as MIAF asks
 * of a file that lists `avif` among its compatible brands). We hand sharp a
 * copy whose major brand reads `avif`, so it decodes that still image: an
 * animated AVIF shows its first frame, as animated GIF and WebP do (sharp's
 * pages 1, page 0). A sequence without a still image stays refused, with
 * libheif's own reason. The original file is never written.
 */
export function asStillAvif(buf: Uint8Array): Buffer | null {
  if (heifBrand(buf) !== 'avis') return null
  const copy = Buffer.from(buf)
  copy.write('avif', 8, 'latin1')
  return copy
}

/**
 * HEVC-coded HEIF goes straight to libheif-wasm; AVIF and other HEIF to sharp
 * (whose libheif has AV1), with libheif-wasm as the fallback for generic brands.
 */
function heifRoute(buf: Uint8Array): 'hevc' | 'generic' | undefined {
  const brands = heifBrands(buf)
  if (!brands) return undefined
  if (HEVC_BRANDS.has(brands[0]!)) return 'hevc'
  if (brands[0] === 'avif' || brands[0] === 'avis') return undefined
  if (HEIF_GENERIC_BRANDS.has(brands[0]!)) return brands.some((b) => HEVC_BRANDS.has(b)) && !brands.includes('avif') ? 'hevc' : 'generic'
  return undefined
}

function sharpFailure(file: string, error: unknown): ImageLoadError {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim()
  if (/unsupported image format|not a known file format|not in a known format/i.test(message))
    return new ImageLoadError(file, 'unsupported', 'not a supported image (the content is not JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC)')
  if (/pixel limit/i.test(message)) return new ImageLoadError(file, 'too-large', `image has more pixels than the limit (${message})`)
  return new ImageLoadError(file, 'corrupt', `corrupt or truncated image (${message})`)
}

function checkPixels(file: string, width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    const mp = (n: number): string => `${(n / 1e6).toFixed(1)} megapixels`
    throw new ImageLoadError(
      file,
      'too-large',
      `image is ${width}x${height} (${mp(width * height)}), more than the limit of ${mp(maxPixels)}; refused to protect memory`,
    )
  }
}

interface RawResized {
  data: Uint8Array
  width: number
  height: number
  channels: number
}

/** Resize with libvips' cubic kernel (premultiplied when there is alpha) to the geometry's size, as raw u8. */
async function resizeRaw(image: Sharp, g: ClipGeometry, file: string): Promise<RawResized> {
  let pipeline = image
  if (!g.resizeSkipped) pipeline = pipeline.resize(g.resizedWidth, g.resizedHeight, { kernel: 'cubic', fit: 'fill', fastShrinkOnLoad: false })
  try {
    const { data, info } = await pipeline.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
    if (info.width !== g.resizedWidth || info.height !== g.resizedHeight)
      throw new Error(`resize gave ${info.width}x${info.height}, expected ${g.resizedWidth}x${g.resizedHeight}`)
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels }
  } catch (error) {
    if (error instanceof ImageLoadError) throw error
    throw sharpFailure(file, error)
  }
}

const sharpInputOptions = (maxPixels: number): SharpOptions => ({ limitInputPixels: maxPixels, failOn: 'truncated', pages: 1, page: 0 })

interface HeicModule {
  (opts: { buffer: Uint8Array }): Promise<{ width: number; height: number; data: Uint8ClampedArray }>
  all(opts: {
    buffer: Uint8Array
  }): Promise<Array<{ width: number; height: number; decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }> }>>
}
let heic: HeicModule | undefined
function heicDecoder(): HeicModule {
  heic ??= createRequire(import.meta.url)('heic-decode') as HeicModule
  return heic
}

/** Decode HEVC HEIF with libheif (wasm): the primary image, already rotated/mirrored by its irot/imir boxes. */
async function decodeHeic(buf: Uint8Array, file: string, maxPixels: number): Promise<{ data: Uint8Array; width: number; height: number }> {
  let images: Awaited<ReturnType<HeicModule['all']>>
  try {
    images = await heicDecoder().all({ buffer: buf })
  } catch (error) {
    throw new ImageLoadError(file, 'corrupt', `cannot decode HEIC/HEIF image (${(error as Error).message})`)
  }
  const first = images[0]
  if (!first) throw new ImageLoadError(file, 'corrupt', 'HEIC/HEIF file holds no image')
  checkPixels(file, first.width, first.height, maxPixels)
  try {
    const out = await first.decode()
    return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), width: out.width, height: out.height }
  } catch (error) {
    throw new ImageLoadError(
      file,
      'corrupt',
      `cannot decode HEIC/HEIF image (${(error as Error).message}; libheif in WebAssembly decodes HEVC, but this file's codec or data failed)`,
    )
  } finally {
    ;(images as unknown as { dispose?: () => void }).dispose?.()
  }
}

/** RGBA pixels already in memory (the HEIC path) -> the canonical crop. */
export async function clipRgbFromRawRgba(data: Uint8Array, width: number, height: number, file: string, options: ClipImageOptions = {}): Promise<ClipRgb> {
  const size = options.size ?? 224
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS
  checkPixels(file, width, height, maxPixels)
  if (data.length !== width * height * 4) throw new ImageLoadError(file, 'corrupt', `decoder returned ${data.length} bytes for a ${width}x${height} RGBA image`)
  const g = clipGeometry(width, height, size)
  const raw = await resizeRaw(sharp(data, { raw: { width, height, channels: 4 }, limitInputPixels: maxPixels }), g, file)
  return { rgb: cropToRgb(raw.data, raw.width, raw.height, raw.channels, size, g.cropTop, g.cropLeft), size, width, height, format: 'heif', geometry: g }
}

/** Image bytes -> the canonical RGB crop (before normalisation). `file` names the source in errors. */
export async function clipRgbFromBuffer(buf: Uint8Array, file: string, options: ClipImageOptions = {}): Promise<ClipRgb> {
  const size = options.size ?? 224
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS
  if (buf.length === 0) throw new ImageLoadError(file, 'empty', 'empty file (0 bytes), not an image')
  buf = asStillAvif(buf) ?? buf
  const route = heifRoute(buf)
  if (route === 'hevc') return clipRgbFromHeic(buf, file, options)
  try {
    return await clipRgbViaSharp(buf, file, size, maxPixels)
  } catch (error) {
    // A generic HEIF brand whose codec libvips lacks (HEVC): fall back to libheif.
    if (route === 'generic' && error instanceof ImageLoadError && error.reason !== 'too-large') return clipRgbFromHeic(buf, file, options)
    throw error
  }
}

async function clipRgbFromHeic(buf: Uint8Array, file: string, options: ClipImageOptions): Promise<ClipRgb> {
  const decoded = await decodeHeic(buf, file, options.maxPixels ?? DEFAULT_MAX_PIXELS)
  return clipRgbFromRawRgba(decoded.data, decoded.width, decoded.height, file, options)
}

async function clipRgbViaSharp(buf: Uint8Array, file: string, size: number, maxPixels: number): Promise<ClipRgb> {
  let meta: Metadata
  try {
    // Header only: our own check below gives the clearer message; libvips' limit guards the decode.
    meta = await sharp(buf, { ...sharpInputOptions(maxPixels), limitInputPixels: false }).metadata()
  } catch (error) {
    throw sharpFailure(file, error)
  }
  // Photos only: libvips would also render SVG (and its own .v format); a library of
  // photos has no use for those and they widen what a hostile file can reach.
  if (!PHOTO_FORMATS.has(meta.format)) throw new ImageLoadError(file, 'unsupported', `not a supported image (${meta.format} is not a photo format)`)
  const width = meta.autoOrient?.width ?? meta.width
  const height = meta.autoOrient?.height ?? meta.height
  if (!width || !height) throw new ImageLoadError(file, 'corrupt', 'image has no dimensions')
  checkPixels(file, meta.width, meta.height, maxPixels)
  const g = clipGeometry(width, height, size)
  const raw = await resizeRaw(sharp(buf, sharpInputOptions(maxPixels)).autoOrient(), g, file)
  return { rgb: cropToRgb(raw.data, raw.width, raw.height, raw.channels, size, g.cropTop, g.cropLeft), size, width, height, format: meta.format, geometry: g }
}

async function readImageFile(file: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not an image' : code === 'EACCES' ? 'permission denied' : (code ?? String(error))
    throw new ImageLoadError(file, 'unreadable', `cannot read image (${why})`)
  }
}

export async function loadClipRgb(file: string, options: ClipImageOptions = {}): Promise<ClipRgb> {
  return clipRgbFromBuffer(await readImageFile(file), file, options)
}

/** An image file -> CLIP pixel_values for one image, CHW float32 [3,size,size]. */
export async function loadClipPixels(file: string, options: ClipImageOptions = {}): Promise<ClipPixels> {
  const { rgb, ...rest } = await loadClipRgb(file, options)
  return { ...rest, pixelValues: normalizeRgbToChw(rgb, rest.size) }
}

export type ClipBatchItem = { file: string; ok: true; pixels: ClipPixels } | { file: string; ok: false; error: ImageLoadError }

/**
 * Several files -> one [B,3,S,S] buffer of the images that loaded (in order),
 * plus a per-file result so one bad photo does not sink the batch.
 */
export async function loadClipBatch(
  files: readonly string[],
  options: ClipImageOptions = {},
): Promise<{ pixelValues: Float32Array; shape: [number, 3, number, number]; items: ClipBatchItem[] }> {
  const size = options.size ?? 224
  const items: ClipBatchItem[] = []
  for (const file of files) {
    try {
      items.push({ file, ok: true, pixels: await loadClipPixels(file, options) })
    } catch (error) {
      if (!(error instanceof ImageLoadError)) throw error
      items.push({ file, ok: false, error })
    }
  }
  const good = items.flatMap((it) => (it.ok ? [it.pixels.pixelValues] : []))
  return { pixelValues: stackChw(good, size), shape: [good.length, 3, size, size], items }
}
