// HEIF/AVIF rotation and mirroring (the `irot` and `imir` item properties of
// the primary image). HEIF says these, not EXIF Orientation, decide how the
// image is shown; libheif applies them, but sharp's libvips reads the coded
// (unrotated) image and reports no orientation, so AVIF decoded through sharp
// would lie on its side. We read the two properties ourselves (a small box
// walk over `meta`) and apply them where sharp decodes.
import fs from 'node:fs/promises'

export interface HeifTransform {
  /** Clockwise degrees to rotate the coded image by (irot is counter-clockwise). */
  rotateCw: 0 | 90 | 180 | 270
  /** imir: 'vertical' mirrors left-right about the vertical axis, 'horizontal' top-bottom. */
  mirror: 'vertical' | 'horizontal' | null
  /** irot comes before imir in the item's property list (applied in that order). */
  rotateFirst: boolean
}

export const identity: HeifTransform = { rotateCw: 0, mirror: null, rotateFirst: true }

interface Box {
  type: string
  start: number
  end: number
  body: number
}

function boxes(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = []
  let p = start
  while (p + 8 <= end) {
    let size = buf.readUInt32BE(p)
    const type = buf.toString('latin1', p + 4, p + 8)
    let body = p + 8
    if (size === 1) {
      if (p + 16 > end) break
      size = Number(buf.readBigUInt64BE(p + 8))
      body = p + 16
    } else if (size === 0) size = end - p
    if (size < 8 || p + size > end) break
    out.push({ type, start: p, end: p + size, body })
    p += size
  }
  return out
}

/** The primary item's transform, from the first 1 MB of the file (where `meta` sits in HEIC/AVIF). */
export async function readHeifTransform(file: string): Promise<HeifTransform> {
  const fh = await fs.open(file, 'r')
  try {
    const buf = Buffer.alloc(1 << 20)
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    return heifTransform(buf.subarray(0, bytesRead))
  } catch {
    return identity
  } finally {
    await fh.close()
  }
}

export function heifTransform(buf: Buffer): HeifTransform {
  try {
    const meta = boxes(buf, 0, buf.length).find((b) => b.type === 'meta')
    if (!meta) return identity
    const inner = boxes(buf, meta.body + 4, meta.end) // full box: version + flags
    const pitm = inner.find((b) => b.type === 'pitm')
    if (!pitm) return identity
    const version = buf[pitm.body]!
    const primary = version === 0 ? buf.readUInt16BE(pitm.body + 4) : buf.readUInt32BE(pitm.body + 4)
    const iprp = inner.find((b) => b.type === 'iprp')
    if (!iprp) return identity
    const parts = boxes(buf, iprp.body, iprp.end)
    const ipco = parts.find((b) => b.type === 'ipco')
    if (!ipco) return identity
    const props = boxes(buf, ipco.body, ipco.end)
    let rotateCw: HeifTransform['rotateCw'] = 0
    let mirror: HeifTransform['mirror'] = null
    let rotateFirst = true
    let seenRot = false
    let seenMir = false
    for (const ipma of parts.filter((b) => b.type === 'ipma')) {
      const v = buf[ipma.body]!
      const flags = buf.readUIntBE(ipma.body + 1, 3)
      let p = ipma.body + 4
      const count = buf.readUInt32BE(p)
      p += 4
      for (let i = 0; i < count && p < ipma.end; i++) {
        const item = v < 1 ? buf.readUInt16BE(p) : buf.readUInt32BE(p)
        p += v < 1 ? 2 : 4
        const n = buf[p]!
        p++
        for (let j = 0; j < n; j++) {
          const index = flags & 1 ? buf.readUInt16BE(p) & 0x7fff : buf[p]! & 0x7f
          p += flags & 1 ? 2 : 1
          if (item !== primary || index === 0) continue
          const prop = props[index - 1]
          if (!prop) continue
          if (prop.type === 'irot') {
            rotateCw = (((4 - (buf[prop.body]! & 3)) % 4) * 90) as HeifTransform['rotateCw']
            seenRot = true
            if (seenMir) rotateFirst = false
          } else if (prop.type === 'imir') {
            mirror = buf[prop.body]! & 1 ? 'horizontal' : 'vertical'
            seenMir = true
          }
        }
      }
    }
    return { rotateCw, mirror, rotateFirst }
  } catch {
    return identity
  }
}
