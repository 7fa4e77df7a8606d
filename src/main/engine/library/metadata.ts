// What we read from a photo's own metadata: EXIF fields users sort and search
// by, and any description already written into the file (imported as a `user`
// caption: a person or their camera app wrote it, not our model).
import exifr from 'exifr'

export interface PhotoMetadata {
  takenAt: number | null
  cameraMake: string | null
  cameraModel: string | null
  gpsLat: number | null
  gpsLon: number | null
  orientation: number | null
  description: string | null
}

export const emptyMetadata: PhotoMetadata = { takenAt: null, cameraMake: null, cameraModel: null, gpsLat: null, gpsLon: null, orientation: null, description: null }

// Cameras write their own name as the "description"; that is not a caption.
const boilerplate = /^(olympus digital camera|sony dsc|samsung|digital camera|default|image|picture|photo|untitled|exif_jpeg_picture|lg[a-z0-9-]*|\s*|\?+)$/i

/** Pure: pick our fields out of exifr's merged output. */
export function pickMetadata(raw: Record<string, unknown> | undefined | null): PhotoMetadata {
  if (!raw) return emptyMetadata
  const date = raw.DateTimeOriginal ?? raw.CreateDate ?? raw.DateTimeDigitized ?? raw.ModifyDate
  const takenAt = date instanceof Date && !Number.isNaN(date.getTime()) ? date.getTime() : null
  const lat = num(raw.latitude)
  const lon = num(raw.longitude)
  const gpsOk = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0)
  const orientation = num(raw.Orientation)
  return {
    takenAt,
    cameraMake: str(raw.Make),
    cameraModel: str(raw.Model),
    gpsLat: gpsOk ? lat : null,
    gpsLon: gpsOk ? lon : null,
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null,
    description: pickDescription(raw),
  }
}

/** Alt text first (written for exactly this purpose), then XMP, IPTC, EXIF descriptions. */
export function pickDescription(raw: Record<string, unknown>): string | null {
  for (const key of ['AltTextAccessibility', 'description', 'Caption', 'ImageDescription', 'XPComment', 'UserComment']) {
    const text = langText(raw[key])
    if (text !== null && !boilerplate.test(text)) return text
  }
  return null
}

/** Metadata of a file; a file exifr cannot parse simply has none (the image decode decides if it is a photo). */
export async function readMetadata(file: string): Promise<PhotoMetadata> {
  let raw: Record<string, unknown> | undefined
  try {
    raw = (await exifr.parse(file, {
      tiff: true, exif: true, gps: true, xmp: true, iptc: true, ifd1: false, icc: false, jfif: false,
      mergeOutput: true, translateValues: false,
    })) as Record<string, unknown> | undefined
  } catch {
    return emptyMetadata
  }
  return pickMetadata(raw)
}

function langText(value: unknown): string | null {
  if (typeof value === 'string') return clean(value)
  if (value instanceof Uint8Array) return null
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = langText(v)
      if (t) return t
    }
    return null
  }
  if (value && typeof value === 'object' && 'value' in value) return langText((value as { value: unknown }).value)
  return null
}

function clean(s: string): string | null {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/\u0000+$/g, '').trim()
  return t === '' ? null : t
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? clean(v) : null
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}
