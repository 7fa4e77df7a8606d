// Which metadata reader: exifr in-process (as the library used it
// before, whole file, merged output), exiftool through exiftool-vendored's
// persistent process, and what the library does now (our block reader with
// exifr for EXIF on JPEG/PNG/WebP, exiftool for the rest). Speed: median ms per
// file over a 12 MP camera-like JPEG and over the public real-world set
// (../shared/realworld, when present); coverage: files where each finds a date,
// camera, GPS, orientation and a description, over the real-world set.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import exifr from 'exifr'
import sharp from 'sharp'
import { ExifTool } from 'exiftool-vendored'
import { median, type BenchContext } from './run.ts'
import { isImageName } from '../src/main/engine/library/files.ts'
import { closeExiftool } from '../src/main/engine/library/exiftool-reader.ts'
import { readMetadata } from '../src/main/engine/library/metadata.ts'

export const name = 'metadata-readers'

const setDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/realworld/images')

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : isImageName(e.name) ? [path.join(dir, e.name)] : []))
    .sort()
}

type Found = { date: boolean; camera: boolean; gps: boolean; orientation: boolean; description: boolean }

async function timed<T>(files: string[], rounds: number, read: (f: string) => Promise<T>): Promise<{ msPerFile: number; results: T[] }> {
  const per: number[] = []
  let results: T[] = []
  for (let r = 0; r < rounds; r++) {
    results = []
    const t0 = performance.now()
    for (const f of files) results.push(await read(f))
    per.push((performance.now() - t0) / files.length)
  }
  return { msPerFile: +median(per).toFixed(2), results }
}

const count = (rs: Found[]): Found & { files: number } => ({
  files: rs.length,
  date: rs.filter((r) => r.date).length as unknown as boolean,
  camera: rs.filter((r) => r.camera).length as unknown as boolean,
  gps: rs.filter((r) => r.gps).length as unknown as boolean,
  orientation: rs.filter((r) => r.orientation).length as unknown as boolean,
  description: rs.filter((r) => r.description).length as unknown as boolean,
})

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const et = new ExifTool({ maxProcs: 1 })
  const viaExifr = async (f: string): Promise<Found> => {
    const m = (await exifr
      .parse(f, { tiff: true, exif: true, gps: true, xmp: true, iptc: true, ifd1: false, mergeOutput: true, translateValues: false })
      .catch(() => null)) as Record<string, unknown> | null
    return {
      date: !!(m?.DateTimeOriginal ?? m?.CreateDate),
      camera: !!m?.Model,
      gps: typeof m?.latitude === 'number',
      orientation: typeof m?.Orientation === 'number',
      description: !!(m?.ImageDescription ?? m?.description ?? m?.Caption),
    }
  }
  const viaExiftool = async (f: string): Promise<Found> => {
    const t = (await et.readRaw(f, { readArgs: ['-n', '-G1', '-fast'] }).catch(() => ({}))) as Record<string, unknown>
    const has = (...k: string[]) => k.some((x) => t[x] !== undefined && t[x] !== '')
    return {
      date: has(
        'ExifIFD:DateTimeOriginal',
        'XMP-photoshop:DateCreated',
        'XMP-exif:DateTimeOriginal',
        'XMP-xmp:CreateDate',
        'IPTC:DateCreated',
        'ExifIFD:CreateDate',
      ),
      camera: has('IFD0:Model'),
      gps: has('Composite:GPSLatitude'),
      orientation: has('IFD0:Orientation'),
      description: has('XMP-dc:Description', 'IPTC:Caption-Abstract', 'IFD0:ImageDescription', 'ExifIFD:UserComment', 'IFD0:XPComment'),
    }
  }
  const viaLibrary = async (f: string): Promise<Found> => {
    const m = await readMetadata(f).catch(() => null)
    return {
      date: m?.takenAt != null,
      camera: m?.cameraModel != null,
      gps: m?.gpsLat != null,
      orientation: m?.orientation != null,
      description: m?.embeddedDescription != null,
    }
  }
  // a 12 MP camera-like JPEG with EXIF, XMP and IPTC
  const big = path.join(ctx.tmpDir, 'twelve.jpg')
  const raw = Buffer.alloc(4000 * 3000 * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24
  await sharp(raw, { raw: { width: 4000, height: 3000, channels: 3 } })
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Make: 'Canon', Model: 'Canon EOS R5', ImageDescription: 'A test' }, IFD2: { DateTimeOriginal: '2024:04:01 03:00:00' } })
    .toFile(big)
  const bigFiles = Array.from({ length: 40 }, () => big)
  const figures: Record<string, unknown> = {}
  figures.jpeg12mp = {
    exifrWholeFileMsPerFile: (await timed(bigFiles, 3, viaExifr)).msPerFile,
    exiftoolVendoredMsPerFile: (await timed(bigFiles, 3, viaExiftool)).msPerFile,
    libraryNowMsPerFile: (await timed(bigFiles, 3, viaLibrary)).msPerFile,
  }
  if (fs.existsSync(setDir)) {
    const files = walk(setDir)
    const a = await timed(files, ctx.quick ? 1 : 3, viaExifr)
    const b = await timed(files, ctx.quick ? 1 : 3, viaExiftool)
    const c = await timed(files, ctx.quick ? 1 : 3, viaLibrary)
    figures.realWorldSet = {
      files: files.length,
      msPerFile: { exifrWholeFile: a.msPerFile, exiftoolVendored: b.msPerFile, libraryNow: c.msPerFile },
      filesWithField: { exifrWholeFile: count(a.results), exiftoolVendored: count(b.results), libraryNow: count(c.results) },
    }
  } else ctx.log(`real-world set not found at ${setDir}: only the 12 MP JPEG figures`)
  await et.end()
  await closeExiftool()
  return figures
}
