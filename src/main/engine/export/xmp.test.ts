import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { escapeXml, mergeSidecar, newSidecar, sidecarPath, SidecarFormatError } from './xmp.ts'

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
})
