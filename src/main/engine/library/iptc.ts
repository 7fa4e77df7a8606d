// IPTC-IIM records (the "IPTC" block of JPEG/TIFF files). Text is decoded the
// way exiftool does: UTF-8 when record 1:90 CodedCharacterSet says so (ESC % G),
// otherwise UTF-8 when the bytes are valid UTF-8 with non-ASCII in them, and
// Latin-1 (Windows-1252) for the rest.

export interface IptcFields {
  caption: string | null
  headline: string | null
  objectName: string | null
  /** "YYYYMMDD" */
  dateCreated: string | null
  /** "HHMMSS±HHMM" */
  timeCreated: string | null
  byline: string | null
}

export function parseIptc(data: Buffer): IptcFields {
  const raw = new Map<string, Buffer>()
  let utf8Declared = false
  let pos = 0
  while (pos + 5 <= data.length) {
    if (data[pos] !== 0x1c) {
      pos++
      continue
    }
    const record = data[pos + 1]!
    const dataset = data[pos + 2]!
    let len = data.readUInt16BE(pos + 3)
    let start = pos + 5
    if (len & 0x8000) {
      // extended dataset: the length's length, then the length
      const n = len & 0x7fff
      if (n > 4 || start + n > data.length) break
      len = 0
      for (let k = 0; k < n; k++) len = len * 256 + data[start + k]!
      start += n
    }
    if (start + len > data.length) break
    const value = data.subarray(start, start + len)
    if (record === 1 && dataset === 90) utf8Declared = value.equals(Buffer.from([0x1b, 0x25, 0x47]))
    const k = `${record}:${dataset}`
    if (!raw.has(k)) raw.set(k, value)
    pos = start + len
  }
  const text = (k: string): string | null => {
    const v = raw.get(k)
    if (!v) return null
    return decodeIptcText(v, utf8Declared)
  }
  return {
    caption: text('2:120'),
    headline: text('2:105'),
    objectName: text('2:5'),
    dateCreated: text('2:55'),
    timeCreated: text('2:60'),
    byline: text('2:80'),
  }
}

export function decodeIptcText(bytes: Buffer, utf8Declared: boolean): string {
  if (utf8Declared || isUtf8(bytes)) return bytes.toString('utf8')
  return cp1252(bytes)
}

/** Valid UTF-8 (and so not plausibly Latin-1 text with accents). */
export function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}

const cp1252High =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'

function cp1252(bytes: Buffer): string {
  let s = ''
  for (const b of bytes) s += b >= 0x80 && b < 0xa0 ? cp1252High[b - 0x80]! : String.fromCharCode(b)
  return s
}
