// Our own corpus of camera and editor files: images we generate, tagged by
// exiftool the way cameras and editors write them, each with the values we
// expect; and every imported description compared with exiftool's own reading.
// Skips (saying why) when exiftool is not installed.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jpegBytes, tempDir } from '../../../../test/helpers/photo-folders.ts'
import { closeExiftool } from './exiftool-reader.ts'
import { probeImage } from './images.ts'
import { readMetadata, type PhotoMetadata } from './metadata.ts'

const exiftoolVersion = ((): string | null => {
  try {
    return execFileSync('exiftool', ['-ver'], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }
})()

if (!exiftoolVersion) console.warn('camera-corpus.test.ts: skipped, exiftool is not installed (apt-get install libimage-exiftool-perl)')

type Base = 'jpg' | 'png' | 'webp' | 'tif' | 'avif'

interface Case {
  name: string
  base?: Base
  /** exiftool arguments that tag the file the way a camera/editor would. */
  tags: string[]
  /** Raw bytes to write into a tag via exiftool's -TAG<=FILE (NULs cannot go through argv). */
  fileTags?: Record<string, Buffer>
  expect: Partial<PhotoMetadata>
}

const wall = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms)

const cases: Case[] = [
  // filler cameras write
  {
    name: 'sanyo',
    tags: ['-Make=SANYO Electric Co.,Ltd.', '-Model=VPC-E1', '-ImageDescription=SANYO DIGITAL CAMERA'],
    expect: { description: null, embeddedDescription: 'SANYO DIGITAL CAMERA', cameraModel: 'VPC-E1' },
  },
  {
    name: 'konica',
    tags: ['-Make=Konica Minolta Camera, Inc.', '-ImageDescription=KONICA MINOLTA DIGITAL CAMERA'],
    expect: { description: null, embeddedDescription: 'KONICA MINOLTA DIGITAL CAMERA' },
  },
  {
    name: 'ge',
    tags: ['-Make=General Imaging Co.', '-ImageDescription=GE DIGITAL CAMERA          '],
    expect: { description: null, embeddedDescription: 'GE DIGITAL CAMERA' },
  },
  { name: 'dcf', tags: ['-ImageDescription=DCF 1.0'], expect: { description: null } },
  { name: 'dcim-path', tags: ['-ImageDescription=C:\\DCIM\\100MSDCF\\DSC00042.JPG'], expect: { description: null } },
  {
    name: 'model-as-description',
    tags: ['-Make=Canon', '-Model=Canon PowerShot A80', '-ImageDescription=Canon PowerShot A80'],
    expect: { description: null, cameraMake: 'Canon' },
  },
  { name: 'photoshop-banner', tags: ['-ImageDescription=File written by Adobe Photoshop 4.0'], expect: { description: null } },
  { name: 'software-equal', tags: ['-Software=PaintStar 3', '-UserComment=PaintStar 3'], expect: { description: null, embeddedDescription: 'PaintStar 3' } },
  { name: 'blank-usercomment', tags: ['-UserComment=                                '], expect: { description: null, embeddedDescription: null } },
  { name: 'nul-padding', tags: [], fileTags: { ImageDescription: Buffer.from('\0\0\0\0\0\0\0\0') }, expect: { description: null, embeddedDescription: null } },
  { name: 'nul-in-model', tags: ['-Make=FUJIFILM'], fileTags: { Model: Buffer.from('X100F\0\u0001\u0002junk') }, expect: { cameraModel: 'X100F' } },
  // what people write
  { name: 'person', tags: ['-Make=SANYO', '-ImageDescription=Grandma blowing out the candles'], expect: { description: 'Grandma blowing out the candles' } },
  {
    name: 'filler-then-xmp',
    tags: ['-ImageDescription=OLYMPUS DIGITAL CAMERA', '-XMP-dc:Description=Our tent at dawn'],
    expect: { description: 'Our tent at dawn', embeddedDescription: 'Our tent at dawn' },
  },
  { name: 'xmp-entities', tags: ['-XMP-dc:Description=Fish & Chips\nby the sea <3'], expect: { description: 'Fish & Chips\nby the sea <3' } },
  {
    name: 'alt-text',
    tags: ['-XMP-iptcCore:AltTextAccessibility=A red kite above dunes', '-XMP-dc:Description=kite day'],
    expect: { description: 'A red kite above dunes' },
  },
  {
    name: 'iptc-utf8-declared',
    tags: ['-IPTC:CodedCharacterSet=UTF8', '-IPTC:Caption-Abstract=Óscar Cañas at the finish'],
    expect: { description: 'Óscar Cañas at the finish' },
  },
  // UTF-8 without CodedCharacterSet (many tools write it so): exiftool's default reading is
  // Latin-1 ("Ã“scar CaÃ±as"); we detect UTF-8, as the bytes are valid UTF-8 (see the comparison below).
  {
    name: 'iptc-utf8-undeclared',
    tags: ['-charset', 'iptc=UTF8', '-IPTC:Caption-Abstract=Óscar Cañas, finish line'],
    expect: { description: 'Óscar Cañas, finish line' },
  },
  { name: 'iptc-latin1', tags: ['-charset', 'iptc=Latin', '-IPTC:Caption-Abstract=Café in Zürich'], expect: { description: 'Café in Zürich' } },
  { name: 'xp-comment', tags: ['-XPComment=Family picnic ☀'], expect: { description: 'Family picnic ☀' } },
  { name: 'usercomment-unicode', tags: ['-UserComment=Über den Wolken'], expect: { description: 'Über den Wolken' } },
  // dates (MWG order) and time zones
  {
    name: 'exif-date-offset',
    tags: ['-DateTimeOriginal=2024:04:01 03:00:00', '-SubSecTimeOriginal=123', '-OffsetTimeOriginal=+09:00'],
    expect: { takenAt: wall(2024, 4, 1, 3, 0, 0, 123), takenOffsetMinutes: 540, takenSource: 'EXIF DateTimeOriginal' },
  },
  {
    name: 'exif-beats-xmp',
    tags: ['-DateTimeOriginal=2020:02:03 04:05:06', '-XMP-photoshop:DateCreated=2011-01-01T00:00:00'],
    expect: { takenAt: wall(2020, 2, 3, 4, 5, 6), takenOffsetMinutes: null },
  },
  {
    name: 'xmp-photoshop-date',
    tags: ['-XMP-photoshop:DateCreated=2023-05-06T07:08:09+02:00'],
    expect: { takenAt: wall(2023, 5, 6, 7, 8, 9), takenOffsetMinutes: 120, takenSource: 'XMP photoshop:DateCreated' },
  },
  {
    name: 'xmp-exif-date',
    tags: ['-XMP-exif:DateTimeOriginal=2021-08-09T10:11:12-04:00'],
    expect: { takenAt: wall(2021, 8, 9, 10, 11, 12), takenOffsetMinutes: -240 },
  },
  {
    name: 'xmp-create-date',
    tags: ['-XMP-xmp:CreateDate=2019-12-31T23:59:00'],
    expect: { takenAt: wall(2019, 12, 31, 23, 59), takenSource: 'XMP xmp:CreateDate' },
  },
  {
    name: 'iptc-date',
    tags: ['-IPTC:DateCreated=2022:01:02', '-IPTC:TimeCreated=10:11:12+05:30'],
    expect: { takenAt: wall(2022, 1, 2, 10, 11, 12), takenOffsetMinutes: 330, takenSource: 'IPTC DateCreated' },
  },
  { name: 'create-date-only', tags: ['-CreateDate=2018:06:07 08:09:10'], expect: { takenAt: wall(2018, 6, 7, 8, 9, 10), takenSource: 'EXIF CreateDate' } },
  { name: 'undated', tags: ['-ModifyDate=2017:01:01 00:00:00'], expect: { takenAt: null, takenSource: null } },
  { name: 'unset-clock', tags: ['-DateTimeOriginal=0000:00:00 00:00:00', '-CreateDate=2016:05:05 05:05:05'], expect: { takenAt: wall(2016, 5, 5, 5, 5, 5) } },
  // GPS, orientation
  {
    name: 'gps',
    tags: ['-GPSLatitude=33.8568', '-GPSLatitudeRef=S', '-GPSLongitude=151.2153', '-GPSLongitudeRef=E'],
    expect: { gpsLat: -33.8568, gpsLon: 151.2153 },
  },
  { name: 'xmp-only-orientation', tags: ['-XMP-tiff:Orientation#=6'], expect: { orientation: null } },
  // other containers
  {
    name: 'webp-exif',
    base: 'webp',
    tags: ['-Make=Google', '-Model=Pixel 8', '-DateTimeOriginal=2024:07:08 09:10:11', '-Orientation#=6'],
    expect: { cameraMake: 'Google', cameraModel: 'Pixel 8', takenAt: wall(2024, 7, 8, 9, 10, 11), orientation: 6 },
  },
  {
    name: 'png-exif',
    base: 'png',
    tags: ['-Make=Apple', '-DateTimeOriginal=2023:03:04 05:06:07', '-XMP-dc:Description=Screenshot of the recipe'],
    expect: { cameraMake: 'Apple', takenAt: wall(2023, 3, 4, 5, 6, 7), description: 'Screenshot of the recipe' },
  },
  {
    name: 'tiff-exif',
    base: 'tif',
    tags: ['-Make=Hasselblad', '-DateTimeOriginal=2015:10:11 12:13:14', '-ImageDescription=Harbour at low tide'],
    expect: { cameraMake: 'Hasselblad', takenAt: wall(2015, 10, 11, 12, 13, 14), description: 'Harbour at low tide' },
  },
  {
    name: 'avif-exif',
    base: 'avif',
    tags: ['-Make=Samsung', '-Model=SM-S918B', '-DateTimeOriginal=2024:01:02 03:04:05', '-OffsetTimeOriginal=+01:00'],
    expect: { cameraMake: 'Samsung', cameraModel: 'SM-S918B', takenAt: wall(2024, 1, 2, 3, 4, 5), takenOffsetMinutes: 60 },
  },
]

async function baseImage(kind: Base, file: string): Promise<void> {
  const jpeg = await jpegBytes({ width: 40, height: 20 })
  if (kind === 'jpg') return fs.writeFile(file, jpeg)
  const s = sharp(jpeg)
  const out = kind === 'png' ? s.png() : kind === 'webp' ? s.webp() : kind === 'tif' ? s.tiff() : s.avif()
  await fs.writeFile(file, await out.toBuffer())
}

describe.skipIf(!exiftoolVersion)('files tagged the way cameras and editors write them (exiftool-made corpus)', () => {
  let dir = ''
  const files = new Map<string, string>()
  beforeAll(async () => {
    dir = await tempDir('photocap-corpus-')
    for (const c of cases) {
      const file = path.join(dir, `${c.name}.${c.base ?? 'jpg'}`)
      await baseImage(c.base ?? 'jpg', file)
      const args = [...c.tags]
      for (const [tag, bytes] of Object.entries(c.fileTags ?? {})) {
        const data = path.join(dir, `${c.name}-${tag}.bin`)
        await fs.writeFile(data, bytes)
        args.push(`-${tag}<=${data}`)
      }
      if (args.length) execFileSync('exiftool', ['-q', '-m', '-overwrite_original', ...args, file])
      files.set(c.name, file)
    }
  }, 60_000)
  afterAll(async () => {
    await closeExiftool()
    await fs.rm(dir, { recursive: true, force: true })
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const m = await readMetadata(files.get(c.name)!)
    for (const [k, v] of Object.entries(c.expect)) {
      if (typeof v === 'number' && (k === 'gpsLat' || k === 'gpsLon')) expect(m[k as 'gpsLat']).toBeCloseTo(v, 6)
      else expect({ [k]: m[k as keyof PhotoMetadata] }).toEqual({ [k]: v })
    }
  })

  it("every description read equals exiftool's reading of the same tag, character for character", async () => {
    const all = [...files.values()]
    const json = JSON.parse(
      execFileSync('exiftool', ['-j', '-n', '-G1', '-charset', 'iptc=Latin', ...all], { encoding: 'utf8', maxBuffer: 64 << 20 }),
    ) as Record<string, unknown>[]
    // Where exiftool's default reading is wrong, the reading it gives when told the truth:
    // undeclared UTF-8 IPTC is read as Latin-1 by default (mojibake); with -charset iptc=UTF8 it reads the text.
    const exiftoolToldUtf8 = JSON.parse(
      execFileSync('exiftool', ['-j', '-n', '-G1', '-charset', 'iptc=UTF8', files.get('iptc-utf8-undeclared')!], { encoding: 'utf8' }),
    )[0] as Record<string, unknown>
    json[json.findIndex((t) => path.basename(t.SourceFile as string) === 'iptc-utf8-undeclared.jpg')] = exiftoolToldUtf8
    let compared = 0
    for (const tags of json) {
      const m = await readMetadata(tags.SourceFile as string)
      // The same order as metadata.ts: alt text, dc:description, IPTC caption, EXIF ImageDescription, XPComment, UserComment.
      const theirs =
        ['XMP-iptcCore:AltTextAccessibility', 'XMP-dc:Description', 'IPTC:Caption-Abstract', 'IFD0:ImageDescription', 'IFD0:XPComment', 'ExifIFD:UserComment']
          .map((k) => tags[k])
          .map((v) => (typeof v === 'string' ? v.split('\u0000')[0]!.trim() : typeof v === 'number' ? String(v) : ''))
          .find((v) => v !== '') ?? null
      expect({ file: path.basename(tags.SourceFile as string), text: m.embeddedDescription }).toEqual({
        file: path.basename(tags.SourceFile as string),
        text: theirs,
      })
      if (theirs !== null) compared++
    }
    expect(compared).toBeGreaterThan(15)
  })

  it('a UTF-16 XMP packet and a split EXIF block read as exiftool reads them', async () => {
    const jpeg = await jpegBytes({ width: 40, height: 20 })
    const packet = `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">Zoë &amp; Léa, Été 2019&#xA;— Nice</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
    const utf16 = Buffer.from(packet, 'utf16le').swap16() // UTF-16 BE, BOM included via the packet's begin="\ufeff"
    const body = Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), utf16])
    const seg = Buffer.alloc(4)
    seg.writeUInt16BE(0xffe1, 0)
    seg.writeUInt16BE(body.length + 2, 2)
    const file = path.join(dir, 'utf16-xmp.jpg')
    await fs.writeFile(file, Buffer.concat([jpeg.subarray(0, 2), seg, body, jpeg.subarray(2)]))
    const m = await readMetadata(file)
    expect(m.description).toBe('Zoë & Léa, Été 2019\n— Nice')
    const theirs = JSON.parse(execFileSync('exiftool', ['-j', '-XMP-dc:Description', file], { encoding: 'utf8' }))[0].Description as string | undefined
    if (theirs !== undefined) expect(m.description).toBe(theirs)
  })

  it('reads XMP with unusual prefixes by namespace, not by prefix', async () => {
    const file = path.join(dir, 'prefix.jpg')
    await fs.writeFile(file, await jpegBytes({ width: 40, height: 20 }))
    const xmp = path.join(dir, 'prefix.xmp')
    await fs.writeFile(
      xmp,
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><R:RDF xmlns:R="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><R:Description xmlns:d="http://purl.org/dc/elements/1.1/" xmlns:ps="http://ns.adobe.com/photoshop/1.0/" ps:DateCreated="2010-10-10T10:10:10"><d:description><R:Alt><R:li xml:lang="x-default">Prefix-free &#x263A;</R:li></R:Alt></d:description></R:Description></R:RDF></x:xmpmeta>`,
    )
    const m = await readMetadata(file, { sidecar: xmp })
    expect(m.description).toBe('Prefix-free ☺')
    expect(m.takenAt).toBe(wall(2010, 10, 10, 10, 10, 10))
  })

  it('an XMP-only orientation is not applied, and not stored: displayed size is the unrotated one', async () => {
    const file = files.get('xmp-only-orientation')!
    expect(await probeImage(file)).toMatchObject({ width: 40, height: 20 })
    expect((await readMetadata(file)).orientation).toBeNull()
  })
})
