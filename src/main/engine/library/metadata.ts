// What we read from a photo's own metadata: the EXIF fields users sort and
// search by, and any description already written into the file.
//
// [Note: blocks read independently]
// EXIF, XMP and IPTC are found by containers.ts (JPEG, PNG, WebP) and each is
// parsed on its own, so a malformed block costs that block only, and an XMP
// string never stands in for an EXIF value. Other containers (TIFF, BigTIFF,
// HEIF/AVIF, RAW) are read by exiftool (exiftool-reader.ts), which knows them
// all; exifr is the fallback when exiftool cannot run. See docs/dependencies.md
// for why JPEG/PNG/WebP stay in-process (speed) and the rest goes to exiftool
// (coverage).
//
// Fields follow the Metadata Working Group's order: dates in
// dates-taken order (see `pickTakenDate`), descriptions alt text first.
// Descriptions pass the filler rules ([Note: filler descriptions]).
import fs from 'node:fs/promises'
import exifr from 'exifr'
import { parseExifDate, parseIptcDate, parseIsoDate, type TakenDate } from './dates.ts'
import { readContainer, type ContainerKind, type MetadataBlocks } from './containers.ts'
import { fillerReason } from './filler.ts'
import { parseIptc, type IptcFields } from './iptc.ts'
import { decodeXmpBytes, ns, parseXmp, xmpText, type XmpProperties } from './xmp.ts'

export interface PhotoMetadata {
  /** Local wall-clock time the camera recorded, as UTC ms ([Note: dates taken are wall-clock]). */
  takenAt: number | null
  /** Minutes east of UTC of `takenAt`, when the file says. */
  takenOffsetMinutes: number | null
  /** Which field the date came from ("EXIF DateTimeOriginal", ...), null when undated. */
  takenSource: string | null
  cameraMake: string | null
  cameraModel: string | null
  gpsLat: number | null
  gpsLon: number | null
  /** EXIF orientation, the one decoders apply (an XMP-only orientation is not applied, so not stored). */
  orientation: number | null
  /** A description a person plausibly wrote: imported as a `user` caption. */
  description: string | null
  /** The first description text the file holds, filler or not (shown as "embedded description"). */
  embeddedDescription: string | null
  /** Why `embeddedDescription` was not imported as a caption, when it was not. */
  fillerReason: string | null
}

export const emptyMetadata: PhotoMetadata = {
  takenAt: null,
  takenOffsetMinutes: null,
  takenSource: null,
  cameraMake: null,
  cameraModel: null,
  gpsLat: null,
  gpsLon: null,
  orientation: null,
  description: null,
  embeddedDescription: null,
  fillerReason: null,
}

/** The EXIF (TIFF) values we use, as strings/numbers, already decoded. */
export interface ExifFields {
  Make?: string
  Model?: string
  Software?: string
  Orientation?: number
  DateTimeOriginal?: string
  SubSecTimeOriginal?: string
  OffsetTimeOriginal?: string
  CreateDate?: string
  SubSecTimeDigitized?: string
  OffsetTimeDigitized?: string
  ImageDescription?: string
  UserComment?: string
  XPComment?: string
  XPTitle?: string
  latitude?: number
  longitude?: number
}

export interface XmpFields {
  altText: string | null
  extDescr: string | null
  description: string | null
  photoshopDateCreated: string | null
  exifDateTimeOriginal: string | null
  xmpCreateDate: string | null
  make: string | null
  model: string | null
  latitude: number | null
  longitude: number | null
}

export interface MetadataSources {
  exif: ExifFields | null
  xmp: XmpFields | null
  iptc: IptcFields | null
}

/** Pure: our fields from the decoded sources. */
export function pickMetadata(src: MetadataSources): PhotoMetadata {
  const exif = src.exif ?? {}
  const make = str(exif.Make) ?? str(src.xmp?.make)
  const model = str(exif.Model) ?? str(src.xmp?.model)
  const taken = pickTakenDate(src)
  const lat = num(exif.latitude) ?? src.xmp?.latitude ?? null
  const lon = num(exif.longitude) ?? src.xmp?.longitude ?? null
  const gpsOk = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0)
  const orientation = num(exif.Orientation)
  const context = { make, model, software: str(exif.Software) }
  // Alt text first (written for exactly this purpose), then XMP, IPTC, EXIF descriptions.
  const candidates = [src.xmp?.altText, src.xmp?.description, src.iptc?.caption, exif.ImageDescription, exif.XPComment, exif.UserComment, src.xmp?.extDescr]
  let description: string | null = null
  let embedded: string | null = null
  let why: string | null = null
  for (const c of candidates) {
    const text = descriptionText(c)
    if (text === null) continue
    embedded ??= text
    const reason = fillerReason(text, context)
    if (reason === null) {
      description = text
      break
    }
    why ??= reason
  }
  return {
    takenAt: taken?.date.wallMs ?? null,
    takenOffsetMinutes: taken?.date.offsetMinutes ?? null,
    takenSource: taken?.source ?? null,
    cameraMake: make,
    cameraModel: model,
    gpsLat: gpsOk ? lat : null,
    gpsLon: gpsOk ? lon : null,
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null,
    description,
    embeddedDescription: embedded,
    fillerReason: description === null ? why : null,
  }
}

/**
 * The Metadata Working Group's order for "date taken": EXIF DateTimeOriginal
 * (+ SubSecTimeOriginal, OffsetTimeOriginal), XMP photoshop:DateCreated,
 * exif:DateTimeOriginal, xmp:CreateDate, IPTC DateCreated + TimeCreated, then
 * EXIF CreateDate (DateTimeDigitized). Never the file's mtime: undated is undated.
 */
export function pickTakenDate(src: MetadataSources): { date: TakenDate; source: string } | null {
  const e = src.exif ?? {}
  const x = src.xmp
  const tries: [string, () => TakenDate | null][] = [
    ['EXIF DateTimeOriginal', () => parseExifDate(e.DateTimeOriginal, e.SubSecTimeOriginal, e.OffsetTimeOriginal)],
    ['XMP photoshop:DateCreated', () => parseIsoDate(x?.photoshopDateCreated)],
    ['XMP exif:DateTimeOriginal', () => parseIsoDate(x?.exifDateTimeOriginal)],
    ['XMP xmp:CreateDate', () => parseIsoDate(x?.xmpCreateDate)],
    ['IPTC DateCreated', () => parseIptcDate(src.iptc?.dateCreated ?? null, src.iptc?.timeCreated ?? null)],
    ['EXIF CreateDate', () => parseExifDate(e.CreateDate, e.SubSecTimeDigitized, e.OffsetTimeDigitized)],
  ]
  for (const [source, parse] of tries) {
    const date = parse()
    if (date) return { date, source }
  }
  return null
}

/** Metadata of a file; a file whose metadata cannot be parsed simply has none (the image decode decides if it is a photo). */
export async function readMetadata(file: string, options: { sidecar?: string | null } = {}): Promise<PhotoMetadata> {
  const sources = await readSources(file)
  if (options.sidecar) {
    // A sidecar holds what a person edited in another tool: its XMP comes before the file's own.
    const side = await readSidecarXmp(options.sidecar)
    if (side) sources.xmp = sources.xmp ? mergeFirst(side, sources.xmp) : side
  }
  return pickMetadata(sources)
}

/** The fields of an XMP sidecar file; null when it cannot be read. */
export async function readSidecarXmp(file: string): Promise<XmpFields | null> {
  try {
    const bytes = await fs.readFile(file, { flag: 'r' })
    return xmpFields(parseXmp(decodeXmpBytes(bytes)))
  } catch {
    return null
  }
}

export async function readSources(file: string): Promise<MetadataSources> {
  let kind: ContainerKind
  let blocks: MetadataBlocks | null
  try {
    ;({ kind, blocks } = await readContainer(file))
  } catch {
    return { exif: null, xmp: null, iptc: null }
  }
  if (kind === 'gif' || kind === 'bmp') return { exif: null, xmp: null, iptc: null }
  if (blocks) return await sourcesFromBlocks(blocks)
  const { readWithExiftool } = await import('./exiftool-reader.ts')
  const viaExiftool = await readWithExiftool(file).catch(() => null)
  if (viaExiftool) return viaExiftool
  return await readWithExifr(file)
}

export async function sourcesFromBlocks(blocks: MetadataBlocks): Promise<MetadataSources> {
  let exif: ExifFields | null = null
  for (const tiff of blocks.exif) {
    const fields = await parseTiffBlock(tiff)
    if (fields) exif = { ...fields, ...(exif ?? {}) }
  }
  let xmp: XmpFields | null = null
  for (const packet of blocks.xmp) {
    try {
      const fields = xmpFields(parseXmp(decodeXmpBytes(packet)))
      xmp = xmp ? mergeFirst(xmp, fields) : fields
    } catch {
      // a broken packet costs only itself
    }
  }
  let iptc: IptcFields | null = null
  for (const record of blocks.iptc) {
    try {
      const fields = parseIptc(record)
      iptc = iptc ? mergeFirst(iptc, fields) : fields
    } catch {
      // ditto
    }
  }
  return { exif, xmp, iptc }
}

function mergeFirst<T extends object>(a: T, b: T): T {
  const out = { ...a }
  for (const [k, v] of Object.entries(b)) if ((out as Record<string, unknown>)[k] == null) (out as Record<string, unknown>)[k] = v
  return out
}

/** One TIFF-structured EXIF block through exifr; null when it does not parse. */
export async function parseTiffBlock(tiff: Buffer): Promise<ExifFields | null> {
  let raw: Record<string, Record<string, unknown> | undefined> | undefined
  try {
    raw = (await exifr.parse(tiff, {
      tiff: true,
      ifd0: {},
      exif: true,
      gps: true,
      ifd1: false,
      interop: false,
      xmp: false,
      iptc: false,
      icc: false,
      jfif: false,
      userComment: true,
      mergeOutput: false,
      translateValues: false,
      reviveValues: false,
      sanitize: true,
    })) as typeof raw
  } catch {
    return null
  }
  if (!raw) return null
  const ifd0 = raw.ifd0 ?? {}
  const ex = raw.exif ?? {}
  const gps = raw.gps ?? {}
  const out: ExifFields = {}
  const set = <K extends keyof ExifFields>(k: K, v: ExifFields[K] | null | undefined): void => {
    if (v !== null && v !== undefined) out[k] = v
  }
  set('Make', asciiTag(ifd0.Make))
  set('Model', asciiTag(ifd0.Model))
  set('Software', asciiTag(ifd0.Software))
  set('Orientation', num(ifd0.Orientation) ?? undefined)
  set('DateTimeOriginal', asciiTag(ex.DateTimeOriginal))
  set('SubSecTimeOriginal', asciiTag(ex.SubSecTimeOriginal))
  set('OffsetTimeOriginal', asciiTag(ex.OffsetTimeOriginal))
  set('CreateDate', asciiTag(ex.CreateDate ?? ex.DateTimeDigitized))
  set('SubSecTimeDigitized', asciiTag(ex.SubSecTimeDigitized))
  set('OffsetTimeDigitized', asciiTag(ex.OffsetTimeDigitized))
  set('ImageDescription', asciiTag(ifd0.ImageDescription))
  set('XPComment', ucs2(ifd0.XPComment))
  set('UserComment', userComment(raw.userComment ?? ex.UserComment, tiff.toString('latin1', 0, 2) === 'II'))
  set('latitude', num(gps.latitude) ?? undefined)
  set('longitude', num(gps.longitude) ?? undefined)
  return out
}

/** Fields we use from a parsed XMP packet. */
export function xmpFields(p: XmpProperties): XmpFields {
  return {
    altText: xmpText(p, ns.iptcCore, 'AltTextAccessibility'),
    extDescr: xmpText(p, ns.iptcCore, 'ExtDescrAccessibility'),
    description: xmpText(p, ns.dc, 'description'),
    photoshopDateCreated: xmpText(p, ns.photoshop, 'DateCreated'),
    exifDateTimeOriginal: xmpText(p, ns.exif, 'DateTimeOriginal') ?? xmpText(p, ns.exifEX, 'DateTimeOriginal'),
    xmpCreateDate: xmpText(p, ns.xmp, 'CreateDate'),
    make: xmpText(p, ns.tiff, 'Make'),
    model: xmpText(p, ns.tiff, 'Model'),
    latitude: xmpCoordinate(xmpText(p, ns.exif, 'GPSLatitude')),
    longitude: xmpCoordinate(xmpText(p, ns.exif, 'GPSLongitude')),
  }
}

/** XMP GPS coordinate "DDD,MM.mmmmN" or "DDD,MM,SSN" as signed degrees. */
export function xmpCoordinate(v: string | null): number | null {
  if (!v) return null
  const m = /^\s*(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*$/i.exec(v)
  if (!m) {
    const n = Number(v)
    return Number.isFinite(n) && v.trim() !== '' ? n : null
  }
  const deg = +m[1]! + (m[2] ? +m[2] / 60 : 0) + (m[3] ? +m[3] / 3600 : 0)
  return /[SW]/i.test(m[4]!) ? -deg : deg
}

async function readWithExifr(file: string): Promise<MetadataSources> {
  try {
    const raw = (await exifr.parse(file, {
      tiff: true,
      exif: true,
      gps: true,
      xmp: false,
      iptc: true,
      ifd1: false,
      mergeOutput: false,
      translateValues: false,
      reviveValues: false,
    })) as Record<string, Record<string, unknown>> | undefined
    if (!raw) return { exif: null, xmp: null, iptc: null }
    const ifd0 = raw.ifd0 ?? {}
    const ex = raw.exif ?? {}
    const gps = raw.gps ?? {}
    const exif: ExifFields = {}
    for (const [k, v] of Object.entries({
      Make: ifd0.Make,
      Model: ifd0.Model,
      Software: ifd0.Software,
      DateTimeOriginal: ex.DateTimeOriginal,
      CreateDate: ex.CreateDate,
      ImageDescription: ifd0.ImageDescription,
    })) {
      const s = asciiTag(v)
      if (s !== null) (exif as Record<string, unknown>)[k] = s
    }
    if (num(ifd0.Orientation) !== null) exif.Orientation = num(ifd0.Orientation)!
    if (num(gps.latitude) !== null) exif.latitude = num(gps.latitude)!
    if (num(gps.longitude) !== null) exif.longitude = num(gps.longitude)!
    return { exif, xmp: null, iptc: null }
  } catch {
    return { exif: null, xmp: null, iptc: null }
  }
}

/** A description field's text: trimmed edges, cut at a NUL, null when empty. */
function descriptionText(value: unknown): string | null {
  if (typeof value !== 'string') return null
  // eslint-disable-next-line no-control-regex
  const t = value.replace(/\u0000[\s\S]*$/, '').trim()
  return t === '' ? null : t
}

/** EXIF ASCII: exiftool cuts at the first NUL (a model "X100\0garbage" is "X100"). */
function asciiTag(v: unknown): string | null {
  if (typeof v === 'number') return String(v)
  if (typeof v !== 'string') return null
  const t = v.split('\u0000')[0]!.trim()
  return t === '' ? null : t
}

function ucs2(v: unknown): string | null {
  if (!(v instanceof Uint8Array)) return typeof v === 'string' ? asciiTag(v) : null
  const s = Buffer.from(v.buffer, v.byteOffset, v.byteLength - (v.byteLength % 2)).toString('utf16le')
  return asciiTag(s)
}

/** UserComment: an 8-byte character code, then the text (exiftool's reading). */
function userComment(v: unknown, littleEndian: boolean): string | null {
  if (typeof v === 'string') return asciiTag(v)
  if (!(v instanceof Uint8Array) || v.length < 8) return null
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  const code = b.toString('latin1', 0, 8)
  const body = b.subarray(8)
  if (code.startsWith('UNICODE')) {
    // UCS-2 in the EXIF byte order unless a BOM says otherwise.
    let data = body
    let little = littleEndian
    if (data[0] === 0xff && data[1] === 0xfe) {
      little = true
      data = data.subarray(2)
    } else if (data[0] === 0xfe && data[1] === 0xff) {
      little = false
      data = data.subarray(2)
    }
    const even = Buffer.from(data.subarray(0, data.length - (data.length % 2)))
    if (!little) even.swap16()
    return asciiTag(even.toString('utf16le'))
  }
  if (code.startsWith('JIS')) return null
  // ASCII, or an undefined code (8 NULs or spaces): exiftool reads the bytes as UTF-8 when valid.
  return asciiTag(body.toString('utf8'))
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? asciiTag(v) : null
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}
