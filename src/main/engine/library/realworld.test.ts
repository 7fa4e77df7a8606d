// The public real-world set (../shared/realworld: Pillow's and libheif's test
// images, real camera and editor files, many deliberately broken) compared
// field by field with `exiftool -j -n`, run here. Skips, saying why, when the
// set or exiftool is absent. Never writes to the set: it checks the originals
// are byte-identical afterwards.
import { execFileSync, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { testLibrary } from '../../../../test/helpers/library-engine.ts'
import { imageFilesUnder, realWorldSetDir } from '../../../../test/helpers/realworld-set.ts'
import { parseExifDate, parseIptcDate, parseIsoDate, type TakenDate } from './dates.ts'
import { closeExiftool } from './exiftool-reader.ts'
import { makeThumbnail, probeImage, type ImageProbe } from './images.ts'
import { readMetadata, type PhotoMetadata } from './metadata.ts'

const setDir = realWorldSetDir
const haveSet = fs.existsSync(setDir)
const haveExiftool = ((): boolean => {
  try {
    execFileSync('exiftool', ['-ver'])
    return true
  } catch {
    return false
  }
})()
if (!haveSet) console.warn(`realworld.test.ts: skipped, the public real-world set is not at ${setDir}`)
else if (!haveExiftool) console.warn('realworld.test.ts: skipped, exiftool is not installed')

/**
 * Files where exiftool's reading is not the right answer for a photo library,
 * and what we do instead. (Checked by hand against the file's bytes.)
 */
const exiftoolIsWrong: Record<string, string> = {
  'libheif/tests/data/rainbow-451x461.heic:size':
    'exiftool gives 452x462, the coded size (ispe); the file has a clean-aperture (clap) crop to 451x461, which libheif applies and every viewer shows (the file is named for it)',
  'libheif/fuzzing/data/corpus/hevc32.heif:size':
    'exiftool gives 64x64, the coded size (ispe); its clean-aperture (clap) crop makes the displayed image 32x32, as libheif decodes it',
}

type Tags = Record<string, unknown>

const text = (v: unknown): string | null => {
  if (typeof v === 'number') return String(v)
  if (typeof v !== 'string') return null
  const t = v.split('\u0000')[0]!.trim()
  return t === '' ? null : t
}

/** The MWG date taken from exiftool's tags (same order as metadata.ts, exiftool's values). */
function theirDate(t: Tags): TakenDate | null {
  return (
    parseExifDate(
      text(t['ExifIFD:DateTimeOriginal']),
      text(t['ExifIFD:SubSecTimeOriginal']) ?? undefined,
      text(t['ExifIFD:OffsetTimeOriginal']) ?? undefined,
    ) ??
    parseIsoDate(text(t['XMP-photoshop:DateCreated'])) ??
    parseIsoDate(text(t['XMP-exif:DateTimeOriginal'])) ??
    parseIsoDate(text(t['XMP-xmp:CreateDate'])) ??
    parseIptcDate(text(t['IPTC:DateCreated']), text(t['IPTC:TimeCreated'])) ??
    parseExifDate(text(t['ExifIFD:CreateDate']), text(t['ExifIFD:SubSecTimeDigitized']) ?? undefined, text(t['ExifIFD:OffsetTimeDigitized']) ?? undefined)
  )
}

function theirDescription(t: Tags): string | null {
  for (const k of [
    'XMP-iptcCore:AltTextAccessibility',
    'XMP-dc:Description',
    'IPTC:Caption-Abstract',
    'IFD0:ImageDescription',
    'IFD0:XPComment',
    'ExifIFD:UserComment',
    'XMP-iptcCore:ExtDescrAccessibility',
  ]) {
    const v = text(t[k])
    if (v !== null) return v
  }
  return null
}

function theirSize(t: Tags): { width: number; height: number } | null {
  const s = t['Composite:ImageSize']
  if (typeof s !== 'string') return null
  const [w, h] = s.split(/[ x]/).map(Number)
  if (!w || !h) return null
  const o = t['IFD0:Orientation']
  return typeof o === 'number' && o >= 5 && o <= 8 ? { width: h, height: w } : { width: w, height: h }
}

describe.skipIf(!haveSet || !haveExiftool)('the public real-world set against exiftool', () => {
  const all = haveSet ? imageFilesUnder(setDir) : []
  const before = new Map(all.map((f) => [f, crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')]))
  afterAll(async () => {
    await closeExiftool()
  })

  it('agrees on date, make, model, GPS, orientation and displayed size on >= 97% of the files that have them; descriptions are equal', async () => {
    // exiftool exits non-zero when some files are unreadable; its JSON for the rest is still on stdout.
    const run = spawnSync('exiftool', ['-j', '-n', '-G1', '-q', '-q', ...all], { encoding: 'utf8', maxBuffer: 256 << 20 })
    const json = JSON.parse(run.stdout) as Tags[]
    const tags = new Map(json.map((t) => [path.resolve(t.SourceFile as string), t]))
    const fields = ['date', 'make', 'model', 'gps', 'orientation', 'size', 'description'] as const
    const stats = Object.fromEntries(fields.map((f) => [f, { have: 0, agree: 0, disagree: [] as string[] }])) as Record<
      (typeof fields)[number],
      { have: number; agree: number; disagree: string[] }
    >
    const check = (field: (typeof fields)[number], file: string, theirs: unknown, ours: unknown, same: boolean): void => {
      const rel = path.relative(setDir, file)
      if (theirs === null || theirs === undefined) return
      if (exiftoolIsWrong[`${rel}:${field}`]) return
      stats[field].have++
      if (same) stats[field].agree++
      else stats[field].disagree.push(`${rel}: exiftool ${JSON.stringify(theirs)}, ours ${JSON.stringify(ours)}`)
    }
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-realworld-'))
    let n = 0
    for (const file of all) {
      const t = tags.get(path.resolve(file)) ?? {}
      const m: PhotoMetadata = await readMetadata(file)
      // Displayed size: of files that decode (a refused file shows nothing to compare).
      const decodes = await makeThumbnail(file, cache, String(++n)).then(
        () => true,
        () => false,
      )
      const probe: ImageProbe | null = decodes ? await probeImage(file).catch(() => null) : null
      const d = theirDate(t)
      check(
        'date',
        file,
        d,
        { takenAt: m.takenAt, offset: m.takenOffsetMinutes },
        d !== null && Math.floor(d.wallMs / 1000) === Math.floor((m.takenAt ?? NaN) / 1000) && d.offsetMinutes === m.takenOffsetMinutes,
      )
      const make = text(t['IFD0:Make'])
      check('make', file, make, m.cameraMake, make === m.cameraMake)
      const model = text(t['IFD0:Model'])
      check('model', file, model, m.cameraModel, model === m.cameraModel)
      const lat = t['Composite:GPSLatitude']
      const lon = t['Composite:GPSLongitude']
      if (typeof lat === 'number' && typeof lon === 'number' && !(lat === 0 && lon === 0)) {
        check('gps', file, [lat, lon], [m.gpsLat, m.gpsLon], Math.abs(lat - (m.gpsLat ?? NaN)) < 1e-6 && Math.abs(lon - (m.gpsLon ?? NaN)) < 1e-6)
      }
      const o = t['IFD0:Orientation']
      if (typeof o === 'number' && o >= 1 && o <= 8) check('orientation', file, o, m.orientation, o === m.orientation)
      const size = theirSize(t)
      if (probe)
        check(
          'size',
          file,
          size,
          probe && { width: probe.width, height: probe.height },
          size !== null && size.width === probe.width && size.height === probe.height,
        )
      const desc = theirDescription(t)
      check('description', file, desc, m.embeddedDescription, desc === m.embeddedDescription)
    }
    fs.rmSync(cache, { recursive: true, force: true })
    const report = Object.fromEntries(fields.map((f) => [f, { have: stats[f].have, agree: stats[f].agree, disagree: stats[f].disagree }]))
    console.log(JSON.stringify(report, null, 2))
    for (const f of fields) {
      expect(stats[f].have, `${f}: files that have it`).toBeGreaterThan(0)
      expect(stats[f].agree / stats[f].have, `${f}: ${stats[f].disagree.join('; ')}`).toBeGreaterThanOrEqual(0.97)
    }
    // every imported description equals exiftool's, character for character
    expect(stats.description.disagree).toEqual([])
  }, 300_000)

  it('indexes every file libvips decodes (with our one decode policy), and gives each refused file its own reason', async () => {
    const lib = await testLibrary()
    try {
      await lib.engine.start()
      await lib.engine.roots.add(setDir)
      await lib.engine.jobs.whenIdle()
      const photos = lib.engine.photos.list({ limit: 10_000 })
      expect(photos.length).toBe(all.length)
      const refused: string[] = []
      for (const p of photos) {
        const file = p.paths[0]!.path
        const rel = path.relative(setDir, file)
        if (p.status !== 'failed') continue
        refused.push(`${rel}: ${p.error}`)
        expect(p.error, rel).toBeTruthy()
        // its own reason: no other file of the set is named in it
        for (const other of all)
          if (other !== file) expect(p.error!.includes(path.basename(other)) && !p.error!.includes(path.basename(file)), `${rel} names ${other}`).toBe(false)
        // and libvips (leniently, as viewers do) cannot decode it either, or only what the truncation left
        const lenient = await sharp(file, { failOn: 'truncated' })
          .raw()
          .toBuffer()
          .then(
            () => true,
            () => false,
          )
        expect(lenient && !/heic|heif|bmp/i.test(file), `${rel} decodes with libvips but was refused: ${p.error}`).toBe(false)
      }
      console.log(`indexed ${photos.length - refused.length} of ${photos.length}; refused:\n${refused.join('\n')}`)
    } finally {
      await lib.close()
    }
  }, 300_000)

  it('left every original byte-identical', () => {
    for (const [f, hash] of before) expect(crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex'), f).toBe(hash)
  })
})
