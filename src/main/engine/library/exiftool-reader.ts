// exiftool (through exiftool-vendored's persistent process) for the containers
// we do not parse in-process: TIFF and BigTIFF, HEIF/AVIF, and camera RAW
// files, whose embedded full-size JPEG preview it also extracts. One process
// pool for the whole app, started on first use and ended by `closeExiftool()`
// (the engine's close). Choice and figures: docs/dependencies.md.
import type { ExifTool } from 'exiftool-vendored'
import type { ExifFields, MetadataSources, XmpFields } from './metadata.ts'
import type { IptcFields } from './iptc.ts'

let tool: Promise<ExifTool> | null = null
let unavailable: string | null = null

async function exiftool(): Promise<ExifTool> {
  tool ??= import('exiftool-vendored').then(({ ExifTool }) => new ExifTool({ maxProcs: 2, taskTimeoutMillis: 30_000, minDelayBetweenSpawnMillis: 0 }))
  return await tool
}

/** Ends the exiftool processes (safe to call when none were started). */
export async function closeExiftool(): Promise<void> {
  const t = tool
  tool = null
  if (t) await (await t).end().catch(() => undefined)
}

type Raw = Record<string, unknown>

/** Metadata sources of `file` as exiftool reads them; null when exiftool cannot run here. */
export async function readWithExiftool(file: string): Promise<MetadataSources | null> {
  if (unavailable) return null
  let raw: Raw | null = null
  // Twice: a read that overlapped another engine's close of the shared process is retried on a fresh one.
  for (let attempt = 0; attempt < 2 && raw === null; attempt++) {
    try {
      raw = (await (await exiftool()).readRaw(file, { readArgs: ['-n', '-G1', '-fast'], useMWG: false, ignoreMinorErrors: true })) as Raw
    } catch (error) {
      const msg = error instanceof Error ? error.message : String(error)
      if (/spawn|ENOENT|perl/i.test(msg)) unavailable = msg
      if (unavailable || !/end|clos/i.test(msg)) return null
    }
  }
  if (raw === null) return null
  return sourcesFromExiftool(raw)
}

/** Pure: exiftool `-n -G1` JSON of one file as our sources. */
export function sourcesFromExiftool(raw: Raw): MetadataSources {
  const exifGroups = ['IFD0', 'ExifIFD', 'GPS', 'IFD1', 'SubIFD', 'Composite']
  const pick = (tag: string, groups: string[]): unknown => {
    for (const g of groups) if (raw[`${g}:${tag}`] !== undefined) return raw[`${g}:${tag}`]
    return undefined
  }
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined)
  const exif: ExifFields = {}
  const put = (k: keyof ExifFields, v: unknown): void => {
    if (v === undefined || v === null || v === '') return
    ;(exif as Record<string, unknown>)[k] = v
  }
  put('Make', text(pick('Make', exifGroups)))
  put('Model', text(pick('Model', exifGroups)))
  put('Software', text(pick('Software', exifGroups)))
  const o = pick('Orientation', ['IFD0', 'ExifIFD', 'IFD1'])
  put('Orientation', typeof o === 'number' ? o : undefined)
  put('DateTimeOriginal', text(pick('DateTimeOriginal', ['ExifIFD', 'IFD0'])))
  put('SubSecTimeOriginal', text(pick('SubSecTimeOriginal', ['ExifIFD'])))
  put('OffsetTimeOriginal', text(pick('OffsetTimeOriginal', ['ExifIFD'])))
  put('CreateDate', text(pick('CreateDate', ['ExifIFD', 'IFD0'])))
  put('SubSecTimeDigitized', text(pick('SubSecTimeDigitized', ['ExifIFD'])))
  put('OffsetTimeDigitized', text(pick('OffsetTimeDigitized', ['ExifIFD'])))
  put('ImageDescription', text(pick('ImageDescription', ['IFD0'])))
  put('XPComment', text(pick('XPComment', ['IFD0'])))
  put('UserComment', text(pick('UserComment', ['ExifIFD'])))
  const lat = raw['Composite:GPSLatitude'] ?? signed(raw['GPS:GPSLatitude'], raw['GPS:GPSLatitudeRef'], 'S')
  const lon = raw['Composite:GPSLongitude'] ?? signed(raw['GPS:GPSLongitude'], raw['GPS:GPSLongitudeRef'], 'W')
  put('latitude', typeof lat === 'number' ? lat : undefined)
  put('longitude', typeof lon === 'number' ? lon : undefined)
  const xmpText = (group: string, tag: string): string | null => text(raw[`XMP-${group}:${tag}`]) ?? null
  const xmpNum = (tag: string): number | null => {
    const v = raw[`XMP-exif:${tag}`]
    return typeof v === 'number' ? v : null
  }
  const hasXmp = Object.keys(raw).some((k) => k.startsWith('XMP-'))
  const xmp: XmpFields | null = hasXmp
    ? {
        altText: xmpText('iptcCore', 'AltTextAccessibility'),
        extDescr: xmpText('iptcCore', 'ExtDescrAccessibility'),
        description: xmpText('dc', 'Description'),
        photoshopDateCreated: xmpText('photoshop', 'DateCreated'),
        exifDateTimeOriginal: xmpText('exif', 'DateTimeOriginal'),
        xmpCreateDate: xmpText('xmp', 'CreateDate'),
        make: xmpText('tiff', 'Make'),
        model: xmpText('tiff', 'Model'),
        latitude: xmpNum('GPSLatitude'),
        longitude: xmpNum('GPSLongitude'),
      }
    : null
  const iptcText = (tag: string): string | null => text(raw[`IPTC:${tag}`]) ?? null
  const hasIptc = Object.keys(raw).some((k) => k.startsWith('IPTC:'))
  const iptc: IptcFields | null = hasIptc
    ? {
        caption: iptcText('Caption-Abstract'),
        headline: iptcText('Headline'),
        objectName: iptcText('ObjectName'),
        dateCreated: iptcText('DateCreated'),
        timeCreated: iptcText('TimeCreated'),
        byline: iptcText('By-line'),
      }
    : null
  return { exif, xmp, iptc }
}

function signed(v: unknown, ref: unknown, negative: string): number | undefined {
  if (typeof v !== 'number') return undefined
  return typeof ref === 'string' && ref.toUpperCase().startsWith(negative) ? -v : v
}

/**
 * The largest JPEG a RAW file embeds (JpgFromRaw, else PreviewImage, else
 * OtherImage), as bytes; null when there is none or exiftool cannot run.
 * Cameras embed a full-size (or near) JPEG rendered with their own processing:
 * what the photographer saw on the camera's screen.
 */
export async function extractRawPreview(file: string): Promise<Buffer | null> {
  if (unavailable) return null
  const et = await exiftool()
  for (const tag of ['JpgFromRaw', 'PreviewImage', 'OtherImage'] as const) {
    try {
      const buf = await et.extractBinaryTagToBuffer(tag, file)
      if (buf.length > 2 && buf[0] === 0xff && buf[1] === 0xd8) return buf
    } catch {
      // that tag is absent: try the next
    }
  }
  return null
}
