// Windows BMP, which sharp's prebuilt libvips does not read: uncompressed 1, 4,
// 8 (palette), 16, 24 and 32-bit, BITFIELDS, and RLE4/RLE8, top-down or
// bottom-up, as RGBA. Dimensions are checked against the pixel limit from the
// header before any pixel buffer is allocated.

export interface DecodedRgba {
  width: number
  height: number
  data: Buffer
}

export class BmpError extends Error {}

export function bmpSize(buf: Buffer): { width: number; height: number } {
  if (buf.length < 26 || buf.toString('latin1', 0, 2) !== 'BM') throw new BmpError('not a BMP file')
  const headerSize = buf.readUInt32LE(14)
  if (headerSize === 12) return { width: buf.readUInt16LE(18), height: buf.readUInt16LE(20) }
  if (buf.length < 26) throw new BmpError('truncated BMP header')
  return { width: Math.abs(buf.readInt32LE(18)), height: Math.abs(buf.readInt32LE(22)) }
}

export function decodeBmp(buf: Buffer, maxPixels: number): DecodedRgba {
  if (buf.length < 26 || buf.toString('latin1', 0, 2) !== 'BM') throw new BmpError('not a BMP file')
  const dataOffset = buf.readUInt32LE(10)
  const headerSize = buf.readUInt32LE(14)
  let width: number,
    rawHeight: number,
    bpp: number,
    compression = 0,
    colours = 0
  if (headerSize === 12) {
    width = buf.readUInt16LE(18)
    rawHeight = buf.readInt16LE(20)
    bpp = buf.readUInt16LE(24)
  } else {
    if (buf.length < 14 + Math.min(headerSize, 40)) throw new BmpError('truncated BMP header')
    width = buf.readInt32LE(18)
    rawHeight = buf.readInt32LE(22)
    bpp = buf.readUInt16LE(28)
    compression = buf.readUInt32LE(30)
    colours = buf.readUInt32LE(46)
  }
  const topDown = rawHeight < 0
  const height = Math.abs(rawHeight)
  if (width <= 0 || height <= 0) throw new BmpError(`BMP has no pixels (${width}x${height})`)
  if (width * height > maxPixels) throw new BmpError(`image is ${width}x${height}, above the pixel limit`)
  // masks: BITFIELDS after a 40-byte header, or inside a V4/V5 header
  let masks: [number, number, number, number] | null = null
  if (compression === 3 || compression === 6) {
    const at = headerSize >= 52 ? 54 : 54
    if (buf.length < at + 12) throw new BmpError('truncated BMP bitfields')
    masks = [buf.readUInt32LE(at), buf.readUInt32LE(at + 4), buf.readUInt32LE(at + 8), headerSize >= 56 || compression === 6 ? buf.readUInt32LE(at + 12) : 0]
  } else if (bpp === 16) masks = [0x7c00, 0x03e0, 0x001f, 0]
  const paletteAt = 14 + headerSize + (compression === 3 && headerSize === 40 ? 12 : compression === 6 && headerSize === 40 ? 16 : 0)
  const entry = headerSize === 12 ? 3 : 4
  const paletteCount = bpp <= 8 ? colours || 1 << bpp : 0
  const palette: number[][] = []
  for (let i = 0; i < paletteCount; i++) {
    const p = paletteAt + i * entry
    if (p + 3 > buf.length) break
    palette.push([buf[p + 2]!, buf[p + 1]!, buf[p]!])
  }
  const out = Buffer.alloc(width * height * 4)
  const put = (x: number, y: number, r: number, g: number, b: number, a = 255): void => {
    const row = topDown ? y : height - 1 - y
    const o = (row * width + x) * 4
    out[o] = r
    out[o + 1] = g
    out[o + 2] = b
    out[o + 3] = a
  }
  const fromPalette = (x: number, y: number, i: number): void => {
    const c = palette[i] ?? [0, 0, 0]
    put(x, y, c[0]!, c[1]!, c[2]!)
  }
  if (compression === 1 || compression === 2) {
    decodeRle(buf, dataOffset, width, height, compression === 1 ? 8 : 4, fromPalette)
    return { width, height, data: out }
  }
  if (compression !== 0 && compression !== 3 && compression !== 6) throw new BmpError(`BMP compression ${compression} is not supported`)
  const stride = Math.floor((width * bpp + 31) / 32) * 4
  if (dataOffset + stride * (height - 1) + Math.ceil((width * bpp) / 8) > buf.length) throw new BmpError('truncated BMP pixel data')
  const channel = (v: number, mask: number): number => {
    if (!mask) return 255
    let shift = 0
    while (((mask >>> shift) & 1) === 0) shift++
    const max = mask >>> shift
    return Math.round((((v & mask) >>> shift) * 255) / max)
  }
  for (let y = 0; y < height; y++) {
    const row = dataOffset + y * stride
    for (let x = 0; x < width; x++) {
      if (bpp === 24) put(x, y, buf[row + x * 3 + 2]!, buf[row + x * 3 + 1]!, buf[row + x * 3]!)
      else if (bpp === 32 && !masks) put(x, y, buf[row + x * 4 + 2]!, buf[row + x * 4 + 1]!, buf[row + x * 4]!)
      else if (bpp === 32 || bpp === 16) {
        const v = bpp === 32 ? buf.readUInt32LE(row + x * 4) : buf.readUInt16LE(row + x * 2)
        const [rm, gm, bm, am] = masks!
        put(x, y, channel(v, rm), channel(v, gm), channel(v, bm), am ? channel(v, am) : 255)
      } else if (bpp === 8) fromPalette(x, y, buf[row + x]!)
      else if (bpp === 4) fromPalette(x, y, (buf[row + (x >> 1)]! >> (x & 1 ? 0 : 4)) & 0x0f)
      else if (bpp === 1) fromPalette(x, y, (buf[row + (x >> 3)]! >> (7 - (x & 7))) & 1)
      else throw new BmpError(`BMP with ${bpp} bits per pixel is not supported`)
    }
  }
  return { width, height, data: out }
}

function decodeRle(buf: Buffer, start: number, width: number, height: number, bits: 4 | 8, put: (x: number, y: number, i: number) => void): void {
  let x = 0
  let y = 0
  let p = start
  while (p + 1 < buf.length && y < height) {
    const count = buf[p]!
    const value = buf[p + 1]!
    p += 2
    if (count > 0) {
      for (let i = 0; i < count && x < width; i++, x++) put(x, y, bits === 8 ? value : i % 2 === 0 ? value >> 4 : value & 0x0f)
    } else if (value === 0) {
      x = 0
      y++
    } else if (value === 1) return
    else if (value === 2) {
      x += buf[p] ?? 0
      y += buf[p + 1] ?? 0
      p += 2
    } else {
      for (let i = 0; i < value && x < width; i++, x++) {
        const b = bits === 8 ? buf[p + i]! : buf[p + (i >> 1)]!
        put(x, y, bits === 8 ? b : i % 2 === 0 ? b >> 4 : b & 0x0f)
      }
      const used = bits === 8 ? value : Math.ceil(value / 2)
      p += used + (used % 2)
    }
  }
}
