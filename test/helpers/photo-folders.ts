// Generating photo folders for tests and benchmarks: small real images made
// with sharp (distinct content per seed, so each file is its own photo), plus
// the bad inputs the library must survive.
import { crc32, createDeflate } from 'node:zlib'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'

export async function tempDir(prefix = 'photocap-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix))
}

export interface JpegOptions {
  width?: number
  height?: number
  /** Different seeds give different pixels (and so different photos). */
  seed?: number
  /** EXIF orientation tag (1-8). */
  orientation?: number
  quality?: number
}

/** A JPEG with a few coloured blocks derived from `seed`. */
export async function jpegBytes(options: JpegOptions = {}): Promise<Buffer> {
  const { width = 64, height = 48, seed = 1, quality = 80 } = options
  const raw = Buffer.alloc(width * height * 3)
  let x = (seed * 2654435761) >>> 0
  const rnd = (): number => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x & 255
  }
  const blocks = Array.from({ length: 16 }, () => [rnd(), rnd(), rnd()] as const)
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width; i++) {
      const b = blocks[((Math.floor((y * 4) / height) * 4 + Math.floor((i * 4) / width)) | 0) % 16]!
      const o = (y * width + i) * 3
      raw[o] = b[0]
      raw[o + 1] = b[1]
      raw[o + 2] = b[2]
    }
  }
  let img = sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality })
  if (options.orientation) img = img.withMetadata({ orientation: options.orientation })
  return img.toBuffer()
}

export async function writeJpeg(file: string, options: JpegOptions = {}): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, await jpegBytes(options))
  return file
}

/** `count` distinct small JPEGs named photo-00000.jpg... under `dir` (optionally in subfolders). */
export async function writePhotoFolder(dir: string, count: number, options: JpegOptions & { perFolder?: number; firstSeed?: number } = {}): Promise<string[]> {
  const files: string[] = []
  const first = options.firstSeed ?? 1
  for (let i = 0; i < count; i++) {
    const sub = options.perFolder ? `set-${Math.floor(i / options.perFolder)}` : ''
    files.push(await writeJpeg(path.join(dir, sub, `photo-${String(i).padStart(5, '0')}.jpg`), { ...options, seed: first + i }))
  }
  return files
}

/**
 * A real decompression bomb: a 1-bit greyscale PNG of `size`x`size` pixels of
 * zeros. 50000x50000 is ~1 MB on disk and 2.5 gigapixels decoded. The zlib
 * stream is fed one row buffer at a time, so making it needs no big buffer.
 */
export async function bombPng(size = 50_000): Promise<Buffer> {
  const rowBytes = 1 + Math.ceil(size / 8)
  const rowsPerChunk = Math.max(1, Math.floor((1 << 20) / rowBytes))
  const block = Buffer.alloc(rowBytes * rowsPerChunk) // filter byte 0 + zero pixels, many rows
  const deflate = createDeflate({ level: 1 })
  const parts: Buffer[] = []
  deflate.on('data', (c: Buffer) => parts.push(c))
  const finished = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve)
    deflate.on('error', reject)
  })
  for (let y = 0; y < size; y += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, size - y)
    if (!deflate.write(n === rowsPerChunk ? block : block.subarray(0, n * rowBytes))) await new Promise((r) => deflate.once('drain', r))
  }
  deflate.end()
  await finished
  const idat = Buffer.concat(parts)
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 1 // bit depth
  ihdr[9] = 0 // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td) >>> 0)
  return Buffer.concat([len, td, crc])
}

/** Every file's bytes and mtime under `dir`, to prove originals are never touched. */
export async function snapshotFiles(dir: string): Promise<Map<string, { bytes: Buffer; mtimeMs: number; mode: number }>> {
  const out = new Map<string, { bytes: Buffer; mtimeMs: number; mode: number }>()
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    const p = path.join(e.parentPath, e.name)
    const st = await fs.stat(p)
    out.set(p, { bytes: await fs.readFile(p), mtimeMs: st.mtimeMs, mode: st.mode })
  }
  return out
}

export const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0

/**
 * `count` distinct tiny JPEGs, fast: one encoded image with a different JPEG
 * comment (COM segment) in each, so every file is its own content.
 */
export async function writeManyTinyJpegs(dir: string, count: number, perFolder = 500): Promise<string[]> {
  const base = await jpegBytes({ width: 8, height: 8, seed: 3 })
  const files: string[] = []
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `batch-${Math.floor(i / perFolder)}`)
    if (i % perFolder === 0) await fs.mkdir(sub, { recursive: true })
    const text = Buffer.from(`photocap test ${i}`)
    const com = Buffer.alloc(4)
    com[0] = 0xff
    com[1] = 0xfe
    com.writeUInt16BE(text.length + 2, 2)
    const file = path.join(sub, `tiny-${String(i).padStart(5, '0')}.jpg`)
    await fs.writeFile(file, Buffer.concat([base.subarray(0, 2), com, text, base.subarray(2)]))
    files.push(file)
  }
  return files
}
