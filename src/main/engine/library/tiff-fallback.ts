// A small reader for the TIFFs libvips refuses but Pillow, and so most
// viewers, show. It is used only after libvips has failed on a file, so it
// covers what real files have shown us, not the whole format:
//
// - a missing PhotometricInterpretation (scientific and scanner software
//   leave it out): one or two samples are read as grey, three or four as RGB,
//   as Pillow guesses;
// - bit depths libvips will not unpack (12-bit grey, packed across bytes) and
//   32/64-bit floating-point grey, scaled to 8 bits for display;
// - CIELab and ICCLab images ("bad labq format" in libvips), converted to sRGB;
// - old-style JPEG compression (compression 6), whose embedded JPEG stream
//   (JPEGInterchangeFormat) is handed back to be decoded as a JPEG.
//
// Strips only, chunky (interleaved) samples, uncompressed, PackBits or
// Deflate. Anything else is refused with the reason. Memory is bounded: the
// size is checked against the caller's pixel limit before anything is
// decoded, and a decompressed strip is never larger than its rows need.
import zlib from 'node:zlib'

/** What the reader found: 8-bit pixels, or the JPEG stream inside an old-style JPEG TIFF. */
export type TiffFallback =
  | { kind: 'pixels'; data: Buffer; width: number; height: number; channels: 3 | 4; orientation: number }
  | { kind: 'jpeg'; data: Buffer; width: number; height: number; orientation: number }

export interface TiffHeader {
  width: number
  height: number
  /** TIFF Orientation (EXIF's meaning), 1 when absent. */
  orientation: number
}

export class TiffFallbackError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TiffFallbackError'
  }
}

const tag = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  orientation: 274,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfig: 284,
  predictor: 317,
  colorMap: 320,
  tileWidth: 322,
  extraSamples: 338,
  sampleFormat: 339,
  jpegInterchange: 513,
  jpegInterchangeLength: 514,
} as const

const compressionNames: Record<number, string> = { 2: 'CCITT G3 1-D', 3: 'CCITT G3', 4: 'CCITT G4', 5: 'LZW', 7: 'JPEG', 34712: 'JPEG 2000' }
const photometricNames: Record<number, string> = { 4: 'transparency mask', 5: 'CMYK', 6: 'YCbCr', 10: 'ITU Lab', 32844: 'LogL', 32845: 'LogLuv' }

/** The first image file directory: tag number → its values (integers, or floats for RATIONAL/FLOAT types). */
type Ifd = Map<number, number[]>

function readIfd(buf: Buffer): Ifd {
  if (buf.length < 8) throw new TiffFallbackError('file is too short to be a TIFF')
  const order = buf.toString('latin1', 0, 2)
  if (order !== 'II' && order !== 'MM') throw new TiffFallbackError('not a TIFF (no II/MM byte-order mark)')
  const le = order === 'II'
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o))
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o))
  const magic = u16(2)
  if (magic === 43) throw new TiffFallbackError('BigTIFF is not supported by this reader')
  if (magic !== 42) throw new TiffFallbackError(`not a TIFF (magic number ${magic})`)
  const at = u32(4)
  if (at + 2 > buf.length) throw new TiffFallbackError(`the first directory's offset ${at} is past the end of the file`)
  const count = u16(at)
  if (at + 2 + count * 12 > buf.length) throw new TiffFallbackError('the first directory is cut short')
  const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 }
  const ifd: Ifd = new Map()
  for (let i = 0; i < count; i++) {
    const e = at + 2 + i * 12
    const id = u16(e)
    const type = u16(e + 2)
    const n = u32(e + 4)
    const size = sizes[type]
    if (!size) continue // a type from a later revision: not one of the tags we read
    const bytes = size * n
    const start = bytes <= 4 ? e + 8 : u32(e + 8)
    if (start + bytes > buf.length) throw new TiffFallbackError(`tag ${id}'s values lie past the end of the file`)
    const values: number[] = []
    for (let k = 0; k < n; k++) {
      const o = start + k * size
      if (type === 3) values.push(u16(o))
      else if (type === 4) values.push(u32(o))
      else if (type === 8) values.push((u16(o) << 16) >> 16)
      else if (type === 9) values.push(u32(o) | 0)
      else if (type === 5 || type === 10) values.push(u32(o) / (u32(o + 4) || 1))
      else if (type === 11) values.push(le ? buf.readFloatLE(o) : buf.readFloatBE(o))
      else if (type === 12) values.push(le ? buf.readDoubleLE(o) : buf.readDoubleBE(o))
      else if (type === 6) values.push(buf.readInt8(o))
      else values.push(buf[o]!)
    }
    ifd.set(id, values)
  }
  return ifd
}

const one = (ifd: Ifd, id: number, fallback: number): number => ifd.get(id)?.[0] ?? fallback

/** Size and orientation from the first directory, without decoding anything. */
export function readTiffHeader(buf: Buffer): TiffHeader {
  return headerOf(readIfd(buf))
}

function headerOf(ifd: Ifd): TiffHeader {
  const width = one(ifd, tag.width, 0)
  const height = one(ifd, tag.height, 0)
  if (!(width > 0 && height > 0)) throw new TiffFallbackError('the image has no width or height')
  return { width, height, orientation: one(ifd, tag.orientation, 1) }
}

/** Decode the first image of a TIFF, refusing with the reason what this reader does not cover. */
export function decodeTiffFallback(buf: Buffer, maxPixels: number): TiffFallback {
  const ifd = readIfd(buf)
  const { width, height, orientation } = headerOf(ifd)
  if (width * height > maxPixels) throw new TiffFallbackError(`image is ${width}x${height}, above the pixel limit`)
  const compression = one(ifd, tag.compression, 1)
  if (compression === 6) return { kind: 'jpeg', data: oldStyleJpegStream(buf, ifd), width, height, orientation }
  if (ifd.has(tag.tileWidth)) throw new TiffFallbackError('tiled TIFFs are not supported by this reader')
  if (one(ifd, tag.planarConfig, 1) !== 1) throw new TiffFallbackError('separate colour planes (PlanarConfiguration 2) are not supported by this reader')
  if (one(ifd, tag.predictor, 1) !== 1) throw new TiffFallbackError('a compression predictor is not supported by this reader')
  if (![1, 8, 32946, 32773].includes(compression))
    throw new TiffFallbackError(
      `compression ${compression}${compressionNames[compression] ? ` (${compressionNames[compression]})` : ''} is not supported by this reader`,
    )

  const samples = one(ifd, tag.samplesPerPixel, 1)
  const bits = one(ifd, tag.bitsPerSample, 1)
  if ((ifd.get(tag.bitsPerSample) ?? []).some((b) => b !== bits))
    throw new TiffFallbackError('samples of different bit depths are not supported by this reader')
  const format = one(ifd, tag.sampleFormat, 1) // 1 unsigned, 2 signed, 3 floating point
  const photometric = one(ifd, tag.photometric, samples >= 3 ? 2 : 1)
  if (samples < 1 || samples > 16) throw new TiffFallbackError(`${samples} samples per pixel`)
  if (format === 3 ? bits !== 32 && bits !== 64 : bits < 1 || bits > 32)
    throw new TiffFallbackError(`${bits}-bit ${format === 3 ? 'floating-point ' : ''}samples are not supported by this reader`)

  const colour = photometric === 0 || photometric === 1 ? 1 : photometric === 3 ? 1 : photometric === 2 || photometric === 8 || photometric === 9 ? 3 : 0
  if (colour === 0)
    throw new TiffFallbackError(
      `photometric interpretation ${photometric}${photometricNames[photometric] ? ` (${photometricNames[photometric]})` : ''} is not supported by this reader`,
    )
  if (samples < colour) throw new TiffFallbackError(`photometric interpretation ${photometric} needs ${colour} samples per pixel, the file has ${samples}`)
  const extra = ifd.get(tag.extraSamples)?.[0]
  const alpha = samples > colour && (extra === 1 || extra === 2) ? colour : -1
  if ((photometric === 8 || photometric === 9) && bits !== 8) throw new TiffFallbackError(`${bits}-bit Lab is not supported by this reader`)
  if (photometric === 3 && (format !== 1 || bits > 16)) throw new TiffFallbackError('a palette image needs unsigned indices of at most 16 bits')

  const le = buf.toString('latin1', 0, 2) === 'II'
  const rowBytes = Math.ceil((width * samples * bits) / 8)
  const rows = readRows(buf, ifd, compression, height, rowBytes)
  const read = sampleReader(bits, format, le)
  const channels = alpha >= 0 ? 4 : 3
  const out = Buffer.alloc(width * height * channels)
  // Display scale of one sample: integers by their full range; floats by [0, 1] when they lie in it, else by their own range.
  let lo = 0
  let span = format === 3 ? 1 : 2 ** bits - 1
  if (format === 2) lo = -(2 ** (bits - 1))
  if (format === 3) {
    let min = Infinity
    let max = -Infinity
    for (let y = 0; y < height; y++) {
      const row = rows(y)
      for (let x = 0; x < width * samples; x++) {
        if (x % samples === alpha) continue
        const v = read(row, x)
        if (Number.isFinite(v)) {
          if (v < min) min = v
          if (v > max) max = v
        }
      }
    }
    if (min < 0 || max > 1) {
      lo = min
      span = max > min ? max - min : 1
    }
  }
  const to8 = (v: number): number => (Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255))) : 0)
  const palette = photometric === 3 ? paletteOf(ifd, bits) : null
  for (let y = 0; y < height; y++) {
    const row = rows(y)
    for (let x = 0; x < width; x++) {
      const s = x * samples
      const o = (y * width + x) * channels
      if (palette) {
        const i = read(row, s)
        out[o] = palette[i * 3]!
        out[o + 1] = palette[i * 3 + 1]!
        out[o + 2] = palette[i * 3 + 2]!
      } else if (colour === 1) {
        const g = to8(read(row, s))
        out[o] = out[o + 1] = out[o + 2] = photometric === 0 ? 255 - g : g
      } else if (photometric === 2) {
        out[o] = to8(read(row, s))
        out[o + 1] = to8(read(row, s + 1))
        out[o + 2] = to8(read(row, s + 2))
      } else {
        // CIELab stores a* and b* as signed bytes, ICCLab as unsigned with 128 for zero.
        const signed = (v: number): number => (photometric === 8 ? (v << 24) >> 24 : v - 128)
        labToSrgb((read(row, s) / 255) * 100, signed(read(row, s + 1)), signed(read(row, s + 2)), out, o)
      }
      if (alpha >= 0) out[o + 3] = to8(read(row, s + alpha))
    }
  }
  return { kind: 'pixels', data: out, width, height, channels, orientation }
}

/** The rows of the image, each `rowBytes` long: strips located, checked against the file, decompressed one at a time. */
function readRows(buf: Buffer, ifd: Ifd, compression: number, height: number, rowBytes: number): (y: number) => Buffer {
  const offsets = ifd.get(tag.stripOffsets) ?? []
  const counts = ifd.get(tag.stripByteCounts) ?? []
  if (offsets.length === 0) throw new TiffFallbackError('the image has no strips (StripOffsets missing)')
  const perStrip = Math.min(one(ifd, tag.rowsPerStrip, height) || height, height)
  const stripCount = Math.ceil(height / perStrip)
  if (offsets.length < stripCount) throw new TiffFallbackError(`the image needs ${stripCount} strips, the file lists ${offsets.length}`)
  let cached = -1
  let strip: Buffer = Buffer.alloc(0)
  return (y) => {
    const i = Math.floor(y / perStrip)
    if (i !== cached) {
      const need = rowBytes * Math.min(perStrip, height - i * perStrip)
      const start = offsets[i]!
      // An uncompressed strip without a byte count (some writers omit it) is as long as its rows.
      const length = counts[i] ?? (compression === 1 ? need : buf.length - start)
      if (start + Math.min(length, compression === 1 ? need : length) > buf.length)
        throw new TiffFallbackError(`strip ${i + 1} of ${stripCount} lies past the end of the file (cut short?)`)
      const raw = buf.subarray(start, start + length)
      strip = compression === 1 ? raw : compression === 32773 ? unpackBits(raw, need) : inflate(raw, need, i)
      if (strip.length < need) throw new TiffFallbackError(`strip ${i + 1} of ${stripCount} has ${strip.length} bytes, its rows need ${need} (cut short?)`)
      cached = i
    }
    const r = y - i * perStrip
    return strip.subarray(r * rowBytes, (r + 1) * rowBytes)
  }
}

function inflate(raw: Buffer, need: number, i: number): Buffer {
  try {
    return zlib.inflateSync(raw, { maxOutputLength: Math.max(need, 1), finishFlush: zlib.constants.Z_SYNC_FLUSH })
  } catch (error) {
    throw new TiffFallbackError(`strip ${i + 1}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** PackBits (Apple's run-length code), stopping once `need` bytes are out. */
function unpackBits(src: Buffer, need: number): Buffer {
  const out = Buffer.alloc(need)
  let o = 0
  let i = 0
  while (o < need && i < src.length) {
    const n = (src[i++]! << 24) >> 24
    if (n >= 0) {
      const len = Math.min(n + 1, need - o, src.length - i)
      src.copy(out, o, i, i + len)
      o += len
      i += n + 1
    } else if (n !== -128) {
      const len = Math.min(1 - n, need - o)
      out.fill(src[i++] ?? 0, o, o + len)
      o += len
    }
  }
  return out.subarray(0, o)
}

/** Sample number `k` of a row, as a number: packed bits MSB first, or 8/16/32-bit integers and 32/64-bit floats in the file's byte order. */
function sampleReader(bits: number, format: number, le: boolean): (row: Buffer, k: number) => number {
  if (format === 3)
    return bits === 32 ? (r, k) => (le ? r.readFloatLE(k * 4) : r.readFloatBE(k * 4)) : (r, k) => (le ? r.readDoubleLE(k * 8) : r.readDoubleBE(k * 8))
  const signed = format === 2
  if (bits === 8) return signed ? (r, k) => r.readInt8(k) : (r, k) => r[k]!
  if (bits === 16) return signed ? (r, k) => (le ? r.readInt16LE(k * 2) : r.readInt16BE(k * 2)) : (r, k) => (le ? r.readUInt16LE(k * 2) : r.readUInt16BE(k * 2))
  if (bits === 32) return signed ? (r, k) => (le ? r.readInt32LE(k * 4) : r.readInt32BE(k * 4)) : (r, k) => (le ? r.readUInt32LE(k * 4) : r.readUInt32BE(k * 4))
  return (r, k) => {
    let v = 0
    for (let b = k * bits, end = b + bits; b < end; b++) v = v * 2 + ((r[b >> 3]! >> (7 - (b & 7))) & 1)
    return signed && v >= 2 ** (bits - 1) ? v - 2 ** bits : v
  }
}

/** A palette image's ColorMap as 8-bit RGB triples (the tag holds all reds, then greens, then blues, 16-bit). */
function paletteOf(ifd: Ifd, bits: number): Uint8Array {
  const map = ifd.get(tag.colorMap)
  const n = 2 ** bits
  if (!map || map.length < 3 * n) throw new TiffFallbackError('a palette image without a complete ColorMap')
  const rgb = new Uint8Array(3 * n)
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = map[c * n + i]! >> 8
  return rgb
}

/** The JPEG stream an old-style JPEG TIFF carries: JPEGInterchangeFormat, or a strip that is one. */
function oldStyleJpegStream(buf: Buffer, ifd: Ifd): Buffer {
  const strips = ifd.get(tag.stripOffsets) ?? []
  const counts = ifd.get(tag.stripByteCounts) ?? []
  const start = ifd.get(tag.jpegInterchange)?.[0] ?? strips[0]
  if (start === undefined || buf[start] !== 0xff || buf[start + 1] !== 0xd8)
    throw new TiffFallbackError('old-style JPEG compression without an embedded JPEG stream is not supported by this reader')
  const stripEnd = strips.reduce((end, o, i) => Math.max(end, o + (counts[i] ?? 0)), 0)
  const length = ifd.get(tag.jpegInterchangeLength)?.[0] ?? Math.max(stripEnd, start) - start
  return buf.subarray(start, Math.min(buf.length, start + (length || buf.length - start)))
}

// CIE L*a*b* (D50, the ICC profile connection space Lab TIFFs use) to 8-bit sRGB,
// through XYZ and the Bradford-adapted D50→sRGB matrix.
const d50 = [0.96422, 1, 0.82521] as const
const xyzD50ToLinearSrgb = [3.1338561, -1.6168667, -0.4906146, -0.9787684, 1.9161415, 0.033454, 0.0719453, -0.2289914, 1.4052427] as const

function labToSrgb(l: number, a: number, b: number, out: Buffer, o: number): void {
  const fy = (l + 16) / 116
  const f = [fy + a / 500, fy, fy - b / 200]
  const xyz = f.map((t, i) => d50[i]! * (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27)))
  const m = xyzD50ToLinearSrgb
  for (let c = 0; c < 3; c++) {
    const lin = m[c * 3]! * xyz[0]! + m[c * 3 + 1]! * xyz[1]! + m[c * 3 + 2]! * xyz[2]!
    const v = lin <= 0.0031308 ? 12.92 * lin : 1.055 * Math.max(lin, 0) ** (1 / 2.4) - 0.055
    out[o + c] = Math.max(0, Math.min(255, Math.round(v * 255)))
  }
}
