import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { escapeXml, MAX_SIDECAR_BYTES, mergeSidecar, newSidecar, sidecarPath, SidecarFormatError } from './xmp.ts'

const haveExiftool = spawnSync('exiftool', ['-ver']).status === 0

function exif(xml: string): Record<string, unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-xmp-'))
  try {
    const file = path.join(dir, 'x.xmp')
    fs.writeFileSync(file, xml)
    const r = spawnSync('exiftool', ['-j', '-G1', '-charset', 'UTF8', '-XMP:all', file], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
    return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// darktable / exiv2 style: properties as attributes on rdf:Description, an attribute-form dc:description
const DARKTABLE = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
    exif:DateTimeOriginal="2019:07:14 12:00:00"
    xmp:Rating="3"
    dc:description='old "attribute" caption'
    darktable:xmp_version="5"
    darktable:auto_presets_applied="1"/>
 </rdf:RDF>
</x:xmpmeta>
`

describe('XMP sidecars (pure)', () => {
  it('names sidecars photo.jpg.xmp or photo.xmp', () => {
    expect(sidecarPath('/a/b/photo.jpg', 'ext')).toBe('/a/b/photo.jpg.xmp')
    expect(sidecarPath('/a/b/photo.jpg', 'base')).toBe('/a/b/photo.xmp')
    expect(sidecarPath('/a/b.c/photo', 'base')).toBe('/a/b.c/photo.xmp')
  })

  it('escapes XML specials and drops what XML 1.0 cannot carry', () => {
    expect(escapeXml(`a&b<c>"d"'e'\u0001\n`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;\n')
  })

  it('refuses to merge into something that is not XMP', () => {
    expect(() => mergeSidecar('<html></html>', 'x')).toThrow(SidecarFormatError)
  })

  it.skipIf(!haveExiftool)('merges into a darktable-style sidecar: the attribute description goes, everything else stays', () => {
    const merged = mergeSidecar(DARKTABLE, 'A dog & a "ball" <3')
    expect(merged).not.toContain('old "attribute" caption')
    expect(merged).toContain('darktable:auto_presets_applied="1"')
    const tags = exif(merged)
    expect(tags['XMP-dc:Description']).toBe('A dog & a "ball" <3')
    expect(tags['XMP-iptcCore:AltTextAccessibility']).toBe('A dog & a "ball" <3')
    expect(tags['XMP-xmp:Rating']).toBe(3)
    expect(tags['XMP-darktable:XmpVersion'] ?? tags['XMP-darktable:Xmp_version']).toBe(5)
    expect(mergeSidecar(merged, 'second')).toBe(mergeSidecar(DARKTABLE, 'second'))
  })

  it.skipIf(!haveExiftool)('a new sidecar keeps leading/trailing spaces and line breaks of the caption exactly', () => {
    const text = 'Line one\nline two — ünïcödé 🐕'
    expect(exif(newSidecar(text))['XMP-dc:Description']).toBe(text)
  })

  it('merges sidecars with 1 MB runs of whitespace and of unclosed openings (linear time)', async () => {
    // In a worker, so that a quadratic merge (the old regular expressions took
    // hours on this) fails the test instead of hanging the run: the guard is a
    // hang detector, minutes above what a linear merge needs, not a speed test.
    const result = await new Promise<unknown>((resolve, reject) => {
      const worker = new Worker(
        `
        const { workerData, parentPort } = require('node:worker_threads')
        import('tsx/esm/api').then(({ tsImport }) => tsImport(workerData.module, workerData.module)).then(({ mergeSidecar }) => {
          const wrap = (mid) => '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"' + mid + '/></rdf:RDF></x:xmpmeta>'
          const mb = 1 << 20
          const shapes = [' '.repeat(mb), ' '.repeat(mb) + 'dc:description="old"' + ' '.repeat(mb), '\\t\\n'.repeat(mb / 2), ' <dc:description'.repeat(mb / 16), ' dc:description="'.repeat(mb / 17), ' <rdf:Description xmlns:a="'.repeat(mb / 27)]
          parentPort.postMessage(shapes.map((s) => { const out = mergeSidecar(wrap(s), 'new'); return [out.includes('"old"'), out.includes('>new</rdf:li>')] }))
        }, (e) => parentPort.postMessage(String(e)))
        `,
        { eval: true, workerData: { module: new URL('./xmp.ts', import.meta.url).href } },
      )
      const guard = setTimeout(() => void worker.terminate().then(() => reject(new Error('the merge did not finish in 100 s: not linear'))), 100_000)
      worker.once('message', (m: unknown) => {
        clearTimeout(guard)
        void worker.terminate()
        resolve(m)
      })
      worker.once('error', reject)
    })
    expect(result).toEqual(Array.from({ length: 6 }, () => [false, true]))
  })

  it('has a sidecar size limit above any real sidecar and below what memory allows', () => {
    expect(MAX_SIDECAR_BYTES).toBeGreaterThanOrEqual(1 << 20)
    expect(MAX_SIDECAR_BYTES).toBeLessThanOrEqual(64 << 20)
  })
})
