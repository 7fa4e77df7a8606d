// Where the metadata blocks sit inside JPEG, PNG and WebP files. We find each
// block ourselves and hand each to its own parser, so one malformed block
// costs only that block ([Note: blocks read independently] in metadata.ts).
// Reads go through a file handle opened read-only; only the segments before the
// image data (JPEG) or the metadata chunks (PNG, WebP) are read, never the
// whole file.
import fs from 'node:fs/promises'

export interface MetadataBlocks {
  /** TIFF-structured EXIF payloads ("II*\0" / "MM\0*"), in file order. */
  exif: Buffer[]
  /** XMP packets as bytes (any encoding), in file order; extended XMP is appended to its main packet. */
  xmp: Buffer[]
  /** IPTC-IIM record data (from Photoshop's 0x0404 resource), in file order. */
  iptc: Buffer[]
  /** JPEG comment (COM) segments. */
  comments: Buffer[]
}

export type ContainerKind = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'bigtiff' | 'isobmff' | 'bmp' | 'unknown'

const maxBlock = 16 * 1024 * 1024
const headBytes = 256 * 1024

export function sniffContainer(head: Buffer): ContainerKind {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg'
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png'
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp'
  if (head.length >= 6 && /^GIF8[79]a$/.test(head.toString('latin1', 0, 6))) return 'gif'
  if (head.length >= 4 && (head.toString('latin1', 0, 4) === 'II*\0' || head.toString('latin1', 0, 4) === 'MM\0*')) return 'tiff'
  if (head.length >= 4 && (head.toString('latin1', 0, 4) === 'II+\0' || head.toString('latin1', 0, 4) === 'MM\0+')) return 'bigtiff'
  // Olympus ORF and Panasonic RW2 are TIFF with their own magic number.
  if (
    head.length >= 4 &&
    (head.toString('latin1', 0, 4) === 'IIRO' ||
      head.toString('latin1', 0, 4) === 'IIRS' ||
      head.toString('latin1', 0, 4) === 'MMOR' ||
      head.toString('latin1', 0, 4) === 'IIU\0')
  )
    return 'tiff'
  if (head.length >= 12 && head.toString('latin1', 4, 8) === 'ftyp') return 'isobmff'
  if (head.length >= 2 && head.toString('latin1', 0, 2) === 'BM') return 'bmp'
  return 'unknown'
}

export async function readHead(file: string, bytes = 64): Promise<Buffer> {
  const fh = await fs.open(file, 'r')
  try {
    const buf = Buffer.alloc(bytes)
    const { bytesRead } = await fh.read(buf, 0, bytes, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}

/**
 * The container kind and, for JPEG, PNG and WebP, the metadata blocks, from one
 * open and (for almost every file) one read: on a busy machine each file-system
 * call waits for a thread-pool slot behind image decodes, so few calls matter.
 */
export async function readContainer(file: string): Promise<{ kind: ContainerKind; blocks: MetadataBlocks | null }> {
  const fh = await fs.open(file, 'r')
  try {
    const head = Buffer.alloc(headBytes)
    const { bytesRead } = await fh.read(head, 0, headBytes, 0)
    const first = head.subarray(0, bytesRead)
    const kind = sniffContainer(first)
    if (kind !== 'jpeg' && kind !== 'png' && kind !== 'webp') return { kind, blocks: null }
    // A file shorter than the head is all here; otherwise its size is needed for reads past it.
    const size = bytesRead < headBytes ? bytesRead : (await fh.stat()).size
    const at = async (pos: number, len: number): Promise<Buffer> => {
      const n = Math.max(0, Math.min(len, size - pos))
      if (pos + n <= first.length) return first.subarray(pos, pos + n)
      const buf = Buffer.alloc(n)
      if (n > 0) await fh.read(buf, 0, n, pos)
      return buf
    }
    const blocks = kind === 'jpeg' ? await jpegBlocks(at, size) : kind === 'png' ? await pngBlocks(at, size) : await webpBlocks(at, size)
    return { kind, blocks }
  } finally {
    await fh.close()
  }
}

type ReadAt = (pos: number, len: number) => Promise<Buffer>

const empty = (): MetadataBlocks => ({ exif: [], xmp: [], iptc: [], comments: [] })

async function jpegBlocks(at: ReadAt, size: number): Promise<MetadataBlocks> {
  const out = empty()
  const photoshop: Buffer[] = []
  const extended = new Map<string, { total: number; parts: { offset: number; data: Buffer }[] }>()
  let pos = 2
  while (pos + 4 <= size) {
    const hdr = await at(pos, 4)
    if (hdr[0] !== 0xff) {
      // Junk between segments: libjpeg skips to the next marker; so do we.
      const next = await findMarker(at, pos, size)
      if (next < 0) break
      pos = next
      continue
    }
    const marker = hdr[1]!
    if (marker === 0xff) {
      pos++
      continue
    } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2
      continue
    }
    if (marker === 0xda || marker === 0xd9) break // image data: no metadata segments after this that viewers read
    const len = hdr.readUInt16BE(2)
    if (len < 2) break
    const body = len > 2 && len - 2 <= maxBlock ? await at(pos + 4, len - 2) : Buffer.alloc(0)
    if (marker === 0xe1) {
      if (body.toString('latin1', 0, 6) === 'Exif\0\0' || body.toString('latin1', 0, 6) === 'Exif\0\xff') out.exif.push(body.subarray(6))
      else if (body.toString('latin1', 0, 29) === 'http://ns.adobe.com/xap/1.0/\0') out.xmp.push(body.subarray(29))
      else if (body.toString('latin1', 0, 35) === 'http://ns.adobe.com/xmp/extension/\0' && body.length >= 75) {
        const guid = body.toString('latin1', 35, 67)
        const total = body.readUInt32BE(67)
        const offset = body.readUInt32BE(71)
        const entry = extended.get(guid) ?? { total, parts: [] }
        entry.parts.push({ offset, data: body.subarray(75) })
        extended.set(guid, entry)
      } else if (body.toString('latin1', 0, 4) === 'II*\0' || body.toString('latin1', 0, 4) === 'MM\0*') out.exif.push(body)
    } else if (marker === 0xed && body.toString('latin1', 0, 14) === 'Photoshop 3.0\0') {
      photoshop.push(body.subarray(14))
    } else if (marker === 0xfe) {
      out.comments.push(body)
    }
    pos += 2 + len
  }
  // IPTC may be split over several APP13 segments: Photoshop concatenates them.
  if (photoshop.length) out.iptc.push(...photoshopIptc(Buffer.concat(photoshop)))
  // Several EXIF segments are one EXIF block split over segments (some writers
  // exceed the 64 KB segment limit; exiftool reads them joined, so do we).
  // A second complete block appended changes nothing for the first one's offsets.
  if (out.exif.length > 1) out.exif = [Buffer.concat(out.exif)]
  for (const { total, parts } of extended.values()) {
    if (total > maxBlock) continue
    const buf = Buffer.alloc(total)
    for (const p of parts) if (p.offset + p.data.length <= total) p.data.copy(buf, p.offset)
    out.xmp.push(buf)
  }
  return out
}

async function findMarker(at: ReadAt, from: number, size: number): Promise<number> {
  const chunk = 65536
  for (let pos = from; pos < size && pos < from + maxBlock; pos += chunk) {
    const buf = await at(pos, chunk + 1)
    for (let i = 0; i + 1 < buf.length; i++) {
      if (buf[i] === 0xff && buf[i + 1] !== 0x00 && buf[i + 1] !== 0xff) return pos + i
    }
  }
  return -1
}

/** The IPTC-IIM records inside Photoshop image resources ("8BIM", id 0x0404). */
export function photoshopIptc(data: Buffer): Buffer[] {
  const out: Buffer[] = []
  let pos = 0
  while (pos + 12 <= data.length) {
    const sig = data.toString('latin1', pos, pos + 4)
    if (sig !== '8BIM' && sig !== 'PHUT' && sig !== 'DCSR' && sig !== 'AgHg') break
    const id = data.readUInt16BE(pos + 4)
    const nameLen = data[pos + 6]!
    let p = pos + 7 + nameLen
    if ((nameLen + 1) % 2 === 1) p++ // name is a padded Pascal string
    if (p + 4 > data.length) break
    const len = data.readUInt32BE(p)
    p += 4
    if (p + len > data.length) break
    if (id === 0x0404) out.push(data.subarray(p, p + len))
    pos = p + len + (len % 2)
  }
  return out
}

async function pngBlocks(at: ReadAt, size: number): Promise<MetadataBlocks> {
  const out = empty()
  let pos = 8
  while (pos + 12 <= size) {
    const hdr = await at(pos, 8)
    const len = hdr.readUInt32BE(0)
    const type = hdr.toString('latin1', 4, 8)
    if (type === 'IEND') break
    if ((type === 'eXIf' || type === 'iTXt' || type === 'zTXt' || type === 'tEXt') && len <= maxBlock) {
      const body = await at(pos + 8, len)
      if (type === 'eXIf') out.exif.push(body.toString('latin1', 0, 6) === 'Exif\0\0' ? body.subarray(6) : body)
      else if (type === 'iTXt') {
        const text = await itxt(body)
        if (text && text.keyword === 'XML:com.adobe.xmp') out.xmp.push(text.data)
      } else if (type === 'zTXt' || type === 'tEXt') {
        const text = await latinText(body, type === 'zTXt')
        // ImageMagick stores EXIF as hex in "Raw profile type exif".
        if (text && /^raw profile type (exif|app1)$/i.test(text.keyword)) {
          const exif = rawProfile(text.data)
          if (exif) out.exif.push(exif.toString('latin1', 0, 6) === 'Exif\0\0' ? exif.subarray(6) : exif)
        }
      }
    }
    pos += 12 + len
  }
  return out
}

async function itxt(body: Buffer): Promise<{ keyword: string; data: Buffer } | null> {
  const k = body.indexOf(0)
  if (k < 0 || k + 3 > body.length) return null
  const compressed = body[k + 1] === 1
  const lang = body.indexOf(0, k + 3)
  const trans = lang < 0 ? -1 : body.indexOf(0, lang + 1)
  if (trans < 0) return null
  const raw = body.subarray(trans + 1)
  return { keyword: body.toString('latin1', 0, k), data: compressed ? await inflate(raw) : raw }
}

async function latinText(body: Buffer, compressed: boolean): Promise<{ keyword: string; data: Buffer } | null> {
  const k = body.indexOf(0)
  if (k < 0) return null
  const raw = body.subarray(k + (compressed ? 2 : 1))
  return { keyword: body.toString('latin1', 0, k), data: compressed ? await inflate(raw) : raw }
}

async function inflate(data: Buffer): Promise<Buffer> {
  const zlib = await import('node:zlib')
  return await new Promise((resolve) => zlib.inflate(data, { maxOutputLength: maxBlock }, (err, out) => resolve(err ? Buffer.alloc(0) : out)))
}

function rawProfile(data: Buffer): Buffer | null {
  // "\nexif\n   1234\n4578696600..." : name, byte count, hex digits.
  const m = /^\s*\S+\s+(\d+)\s+([\s\S]*)$/.exec(data.toString('latin1'))
  if (!m) return null
  const hex = m[2]!.replace(/\s+/g, '')
  const buf = Buffer.from(hex, 'hex')
  return buf.length > 0 ? buf : null
}

async function webpBlocks(at: ReadAt, size: number): Promise<MetadataBlocks> {
  const out = empty()
  let pos = 12
  while (pos + 8 <= size) {
    const hdr = await at(pos, 8)
    const type = hdr.toString('latin1', 0, 4)
    const len = hdr.readUInt32LE(4)
    if ((type === 'EXIF' || type === 'XMP ') && len <= maxBlock) {
      const body = await at(pos + 8, len)
      if (type === 'EXIF') out.exif.push(body.toString('latin1', 0, 6) === 'Exif\0\0' ? body.subarray(6) : body)
      else out.xmp.push(body)
    }
    pos += 8 + len + (len % 2)
  }
  return out
}
