import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type LibraryDb } from '../db/database.ts'
import { buildFixture, type BuiltFixture } from '../../../../test/fixtures/search/fixture-library.ts'
import { LibraryStore } from '../library/store.ts'
import { exportAltText } from './exporter.ts'
import { MAX_SIDECAR_BYTES } from './xmp.ts'
import { parseCsv } from './formats.ts'

const exiftool = spawnSync('exiftool', ['-ver'], { encoding: 'utf8' })
const haveExiftool = exiftool.status === 0
if (!haveExiftool) console.warn('exporter tests: exiftool not found (apt-get install libimage-exiftool-perl); XMP read-back checks skipped')

/** What exiftool (a reader nobody here wrote) finds in a file. */
function readWithExiftool(file: string): Record<string, unknown> {
  const r = spawnSync('exiftool', ['-j', '-G1', '-struct', '-charset', 'UTF8', '-XMP:all', file], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`exiftool failed on ${file}: ${r.stderr}`)
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!
}

const TRICKY = `Zoë's "café" & <b>crème brûlée</b> 🎂🐕 — 東京 > 100% 'yes'`
const LONG = 'A very long description of a grandmother blowing out candles. '.repeat(6).trim()

let dir: string
let db: LibraryDb
let lib: BuiltFixture

function setCaption(file: string, text: string): number {
  const id = lib.ids.get(file)!
  const cid = db.raw.prepare(`INSERT INTO captions (photo_id, text, provenance, created_at) VALUES (?, ?, 'user', 1)`).run(id, text).lastInsertRowid
  db.raw.prepare(`UPDATE photos SET caption_id = ? WHERE id = ?`).run(cid, id)
  return id
}

function fingerprint(file: string): { sha: string; mtime: number; size: number } {
  const st = fs.statSync(file)
  return { sha: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), mtime: st.mtimeMs, size: st.size }
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-export-'))
  db = openDatabase(path.join(dir, 'library.db'))
  lib = await buildFixture(db, dir, { writeFiles: true })
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const photoPath = (file: string) => path.join(lib.rootDir, ...file.split('/'))

describe('XMP sidecars', () => {
  it.skipIf(!haveExiftool)('exiftool reads back exactly the text written, unicode, emoji and XML specials included; originals untouched', async () => {
    const tricky = setCaption('Home/IMG_2041.jpg', TRICKY)
    const originals = [...lib.ids.keys()].map((f) => [f, fingerprint(photoPath(f))] as const)
    const report = await exportAltText(db, { format: 'xmp', photoIds: [tricky, lib.ids.get('Crete 2019/IMG_0042.jpg')!] })
    expect(report.written).toBe(2)
    const sidecar = photoPath('Home/IMG_2041.jpg') + '.xmp'
    expect(report.files).toContain(sidecar)
    const tags = readWithExiftool(sidecar)
    expect(tags['XMP-dc:Description']).toBe(TRICKY)
    expect(tags['XMP-iptcCore:AltTextAccessibility']).toBe(TRICKY)
    expect(fs.readFileSync(sidecar, 'utf8')).toMatch(/<Iptc4xmpCore:AltTextAccessibility>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">/)
    expect(readWithExiftool(photoPath('Crete 2019/IMG_0042.jpg') + '.xmp')['XMP-iptcCore:AltTextAccessibility']).toBe('A dog running on the beach')
    for (const [f, before] of originals) expect(fingerprint(photoPath(f)), f).toEqual(before)
  })

  it.skipIf(!haveExiftool)('merges into an existing sidecar: other properties kept, old caption replaced, idempotent', async () => {
    const id = lib.ids.get('Alps/DSC_1001.jpg')!
    const sidecar = photoPath('Alps/DSC_1001.xmp') // Adobe naming
    fs.writeFileSync(
      sidecar,
      `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
        xmlns:core="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" xmp:Rating="4" xmp:Label="Green">
      <dc:subject><rdf:Bag><rdf:li>alps</rdf:li><rdf:li>winter</rdf:li></rdf:Bag></dc:subject>
      <dc:description><rdf:Alt><rdf:li xml:lang="x-default">old words</rdf:li><rdf:li xml:lang="de">alte Worte</rdf:li></rdf:Alt></dc:description>
      <core:AltTextAccessibility><rdf:Alt><rdf:li xml:lang="x-default">old alt</rdf:li></rdf:Alt></core:AltTextAccessibility>
      <core:Location>Grindelwald</core:Location>
    </rdf:Description>
  </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`,
    )
    for (let run = 0; run < 2; run++) {
      const report = await exportAltText(db, { format: 'xmp', photoIds: [id], sidecarNaming: 'base' })
      expect(report.files).toEqual([sidecar])
      const tags = readWithExiftool(sidecar)
      expect(tags['XMP-dc:Description']).toBe('Snow-capped peaks above the valley')
      expect(tags['XMP-iptcCore:AltTextAccessibility']).toBe('Snow-capped peaks above the valley')
      expect(tags['XMP-xmp:Rating']).toBe(4)
      expect(tags['XMP-xmp:Label']).toBe('Green')
      expect(tags['XMP-dc:Subject']).toEqual(['alps', 'winter'])
      expect(tags['XMP-iptcCore:Location']).toBe('Grindelwald')
      expect(tags['XMP-dc:Description-de']).toBeUndefined()
      const xml = fs.readFileSync(sidecar, 'utf8')
      expect(xml.match(/description>/g)?.length).toBe(2) // one open + one close tag: no duplicates after two runs
      expect(xml).not.toContain('old alt')
      expect(xml.match(/<rdf:Description/g)?.length).toBe(2) // the original one and ours, however often we export
    }
    expect(fs.existsSync(photoPath('Alps/DSC_1001.jpg') + '.xmp')).toBe(false)
  })

  it('leaves a sidecar that is not XMP untouched and says why', async () => {
    const id = lib.ids.get('Alps/DSC_1002.jpg')!
    const sidecar = photoPath('Alps/DSC_1002.jpg') + '.xmp'
    fs.writeFileSync(sidecar, 'not xml at all')
    const report = await exportAltText(db, { format: 'xmp', photoIds: [id] })
    expect(report.written).toBe(0)
    expect(report.skipped[0]!.reason).toMatch(/left untouched.*rdf:RDF/)
    expect(fs.readFileSync(sidecar, 'utf8')).toBe('not xml at all')
  })

  it('never follows a symlinked sidecar: refused with a reason, the link and its target untouched', async () => {
    const id = lib.ids.get('Alps/DSC_1002.jpg')!
    const outside = path.join(dir, 'outside-secret.txt')
    fs.writeFileSync(outside, '<x:xmpmeta><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta> secret')
    const sidecar = photoPath('Alps/DSC_1002.jpg') + '.xmp'
    fs.symlinkSync(outside, sidecar)
    const report = await exportAltText(db, { format: 'xmp', photoIds: [id] })
    expect(report.written).toBe(0)
    expect(report.skipped[0]!.reason).toBe(
      `existing sidecar ${sidecar} left untouched: it is a symbolic link (Photocap never follows or replaces sidecar links)`,
    )
    expect(fs.lstatSync(sidecar).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(outside, 'utf8')).toContain(' secret')
  })

  it('refuses a sidecar over the size limit with a reason, before reading it', async () => {
    const id = lib.ids.get('Alps/DSC_1002.jpg')!
    const sidecar = photoPath('Alps/DSC_1002.jpg') + '.xmp'
    fs.writeFileSync(sidecar, '')
    fs.truncateSync(sidecar, MAX_SIDECAR_BYTES + 1) // sparse: no disk used
    const report = await exportAltText(db, { format: 'xmp', photoIds: [id] })
    expect(report.written).toBe(0)
    expect(report.skipped[0]!.reason).toBe(
      `existing sidecar ${sidecar} left untouched: it is ${MAX_SIDECAR_BYTES + 1} bytes, over the ${MAX_SIDECAR_BYTES} bytes a sidecar may have`,
    )
    expect(fs.statSync(sidecar).size).toBe(MAX_SIDECAR_BYTES + 1)
  })

  it('mirrors sidecars under --out, and skips photos without a caption with a reason', async () => {
    const out = path.join(dir, 'out')
    const uncaptioned = lib.ids.get('Alps/DSC_1005.jpg')!
    const report = await exportAltText(db, { format: 'xmp', outDir: out, photoIds: [lib.ids.get('Garden/IMG_3002.jpg')!, uncaptioned] })
    expect(report.files).toEqual([path.join(out, 'Pictures', 'Garden', 'IMG_3002.jpg.xmp')])
    expect(report.skipped).toEqual([{ photoId: uncaptioned, path: photoPath('Alps/DSC_1005.jpg'), reason: 'the photo has no caption yet' }])
    expect(fs.existsSync(photoPath('Garden/IMG_3002.jpg') + '.xmp')).toBe(false)
  })
})

describe('CSV, JSON and HTML exports', () => {
  it('CSV is RFC 4180 and reads back exactly, with provenance, model and the length flag', async () => {
    const tricky = setCaption('Home/IMG_2041.jpg', 'line one\r\nline "two", and, commas')
    const long = setCaption('Home/IMG_2042.jpg', LONG)
    const out = path.join(dir, 'out')
    const report = await exportAltText(db, { format: 'csv', outDir: out, photoIds: [tricky, long, lib.ids.get('Crete 2019/IMG_0042.jpg')!] })
    expect(report.tooLong).toBe(1)
    expect(report.warnings[0]).toMatch(/IMG_2042\.jpg: alt text is \d+ characters, over the IPTC guidance of 250/)
    const rows = parseCsv(fs.readFileSync(report.path, 'utf8'))
    expect(rows[0]).toEqual(['path', 'caption', 'provenance', 'model', 'length', 'too_long'])
    expect(rows[1]).toEqual([photoPath('Home/IMG_2041.jpg'), 'line one\r\nline "two", and, commas', 'user', '', '33', 'no'])
    expect(rows[2]![1]).toBe(LONG)
    expect(rows[2]![5]).toBe('yes')
    expect(rows[3]).toEqual([photoPath('Crete 2019/IMG_0042.jpg'), 'A dog running on the beach', 'auto', 'fixture-captioner', '26', 'no'])
    expect(rows.length).toBe(4)
  })

  it('JSON carries path, caption, provenance and model for every captioned photo by default', async () => {
    const out = path.join(dir, 'out')
    const report = await exportAltText(db, { format: 'json', outDir: out })
    const data = JSON.parse(fs.readFileSync(report.path, 'utf8')) as Array<Record<string, unknown>>
    const captioned = lib.fixture.photos.filter((p) => p.caption)
    expect(data.length).toBe(captioned.length)
    expect(data).toContainEqual({
      path: photoPath('Crete 2019/IMG_0043.jpg'),
      caption: 'Rex at Falassarna, soaking wet and happy',
      provenance: 'user',
      model: null,
      length: 40,
      tooLong: false,
    })
  })

  it('HTML gives <img alt> snippets whose alt decodes to exactly the caption', async () => {
    const id = setCaption('Home/IMG_2041.jpg', TRICKY)
    const out = lib.rootDir // the HTML sits above the photos: relative src
    const report = await exportAltText(db, { format: 'html', outDir: out, photoIds: [id] })
    const html = fs.readFileSync(report.path, 'utf8')
    const m = /<img src="([^"]*)" alt="([^"]*)">/.exec(html)!
    const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)
    expect(decode(m[2]!)).toBe(TRICKY)
    expect(m[1]).toBe('Home/IMG_2041.jpg')
    expect(html).not.toContain('<b>crème')
  })

  it('neutralises spreadsheet formulas in CSV cells with a leading quote by default, and not when turned off', async () => {
    const formulas = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', '\u0000=after a NUL']
    const ids = formulas.map((f, i) =>
      setCaption(
        [
          'Home/IMG_2041.jpg',
          'Home/IMG_2042.jpg',
          'Crete 2019/IMG_0042.jpg',
          'Crete 2019/IMG_0043.jpg',
          'Alps/DSC_1001.jpg',
          'Alps/DSC_1002.jpg',
          'Garden/IMG_3002.jpg',
        ][i]!,
        f,
      ),
    )
    const out = path.join(dir, 'out')
    const guarded = parseCsv(fs.readFileSync((await exportAltText(db, { format: 'csv', outDir: out, photoIds: ids })).path, 'utf8'))
    expect(guarded.slice(1).map((r) => r[1])).toEqual([
      '\'=HYPERLINK("http://evil.example","x")',
      "'+1+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tTAB",
      "'\rCR",
      "'=after a NUL",
    ])
    const text = fs.readFileSync(path.join(out, 'photocap-alt-text.csv'), 'utf8')
    expect(text).toContain(`"'+1+1"`)
    const raw = parseCsv(fs.readFileSync((await exportAltText(db, { format: 'csv', outDir: out, photoIds: ids, csvFormulaGuard: false })).path, 'utf8'))
    expect(raw.slice(1).map((r) => r[1])).toEqual(formulas.map((f) => f.replace('\u0000', '')))
  })

  it('never writes NUL or other control characters raw into CSV, HTML or XMP', async () => {
    const id = setCaption('Home/IMG_2041.jpg', 'a\u0000b\u0007c\u001bd\u007fe\u0085f\tg')
    const out = path.join(dir, 'out')
    for (const format of ['csv', 'html', 'xmp'] as const) {
      const report = await exportAltText(db, { format, outDir: out, photoIds: [id] })
      const text = fs.readFileSync(report.files[0]!, 'utf8')
      expect(text, format).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/)
      expect(text, format).toContain('abcdef\tg')
    }
  })

  it('stores and exports a lone surrogate as one replacement character, not three', async () => {
    const id = lib.ids.get('Home/IMG_2041.jpg')!
    new LibraryStore(db).addCaption(id, 'half \ud83d emoji', 'user', { makeCurrent: true })
    const out = path.join(dir, 'out')
    for (const format of ['csv', 'html', 'xmp', 'json'] as const) {
      const report = await exportAltText(db, { format, outDir: out, photoIds: [id] })
      const text = fs.readFileSync(report.files[0]!, 'utf8')
      expect(text, format).toContain('half \ufffd emoji')
      expect(text, format).not.toContain('\ufffd\ufffd')
    }
  })

  it('requires an output folder for file exports', async () => {
    await expect(exportAltText(db, { format: 'csv' })).rejects.toThrow(/--out DIR is required for csv/)
  })
})
