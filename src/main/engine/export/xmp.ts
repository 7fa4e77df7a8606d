// XMP sidecars carrying a caption as IPTC Alt Text (Accessibility) and as
// dc:description. Pure string functions; the writer (exporter.ts) does the I/O.
//
// [Note: XMP sidecar merge]
// Other programs (digiKam, darktable, Lightroom, exiftool) keep ratings, tags,
// edit history and more in the same sidecar, so an existing one is merged, never
// replaced: every existing `dc:description` and `Iptc4xmpCore:AltTextAccessibility`
// property is removed, whatever prefix its namespace is bound to and whether it
// is written as an element or as an attribute, and one new rdf:Description with
// both properties is added inside the existing rdf:RDF. Everything else stays
// byte for byte. Several rdf:Description elements about the same resource are
// valid RDF and every XMP reader merges them. A sidecar that is not XMP we can
// read (no rdf:RDF element) is left alone and reported, not overwritten.
import path from 'node:path'
import { exportable, hasControlCharacters } from '../../../shared/text-safety.ts'

export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  iptcCore: 'http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/',
}

export type SidecarNaming = 'ext' | 'base'

/** `photo.jpg.xmp` (ext: digiKam, darktable) or `photo.xmp` (base: Adobe). */
export function sidecarPath(photoPath: string, naming: SidecarNaming): string {
  if (naming === 'ext') return photoPath + '.xmp'
  const ext = path.extname(photoPath)
  return (ext ? photoPath.slice(0, -ext.length) : photoPath) + '.xmp'
}

/**
 * Text as XML character data: & < > escaped (and quotes, harmlessly); a lone
 * surrogate becomes one U+FFFD; control characters (which XML 1.0 cannot carry
 * or discourages) and U+FFFE/U+FFFF are dropped, since no escape exists for them.
 */
export function escapeXml(text: string): string {
  return exportable(text)
    .replace(/[\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** True when `escapeXml` had to drop characters of `text`. */
export function hasUnrepresentableXml(text: string): boolean {
  return hasControlCharacters(text) || /[\ufffe\uffff]/.test(text)
}

function langAlt(tag: string, text: string, indent: string): string {
  return `${indent}<${tag}>
${indent} <rdf:Alt>
${indent}  <rdf:li xml:lang="x-default">${escapeXml(text)}</rdf:li>
${indent} </rdf:Alt>
${indent}</${tag}>`
}

/** Our rdf:Description with both properties (namespaces declared on it). */
export function altTextDescription(text: string, indent = '  '): string {
  return `${indent}<rdf:Description rdf:about=""
${indent}    xmlns:rdf="${NS.rdf}"
${indent}    xmlns:dc="${NS.dc}"
${indent}    xmlns:Iptc4xmpCore="${NS.iptcCore}">
${langAlt('dc:description', text, indent + ' ')}
${langAlt('Iptc4xmpCore:AltTextAccessibility', text, indent + ' ')}
${indent}</rdf:Description>`
}

/** A new sidecar holding only the caption. */
export function newSidecar(text: string): string {
  return `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="${NS.x}" x:xmptk="Photocap">
 <rdf:RDF xmlns:rdf="${NS.rdf}">
${altTextDescription(text)}
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`
}

// [Note: Linear-time sidecar merge]
// A sidecar is whatever someone dropped next to a photo, so the merge must stay
// linear in its size: backtracking regular expressions over runs of whitespace
// (`\s+name`, `[ \t]*<name`) were quadratic, and a 40 KB sidecar of spaces held
// the backend for 40 s. Every scan below moves forward with indexOf or a
// character loop and never revisits what it passed; whitespace is only looked
// at around a match already found. Sidecars over MAX_SIDECAR_BYTES are refused
// before any of this (exporter.ts), with the reason.

/** Real sidecars are kilobytes (darktable with a long history: a few hundred KB). */
export const MAX_SIDECAR_BYTES = 8 * 1024 * 1024

/**
 * indexOf that remembers failures: once `needle` is absent after some index, it
 * is absent after every later one too, so a file full of unclosed openings costs
 * one scan to the end per needle, not one per opening.
 */
function finder(xml: string): (needle: string, from: number) => number {
  const absentFrom = new Map<string, number>()
  return (needle, from) => {
    const absent = absentFrom.get(needle)
    if (absent !== undefined && from >= absent) return -1
    const at = xml.indexOf(needle, from)
    if (at < 0) absentFrom.set(needle, Math.min(from, absent ?? from))
    return at
  }
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r'
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[\w.:-]/.test(c)

/** Index after the whitespace starting at i. */
function skipSpace(xml: string, i: number): number {
  while (isSpace(xml[i])) i++
  return i
}

/** Prefixes bound to `uri` anywhere in the document (plus the conventional one). */
function prefixesFor(xml: string, uri: string, conventional: string): string[] {
  const out = new Set<string>([conventional])
  for (let at = xml.indexOf('xmlns:'); at >= 0; at = xml.indexOf('xmlns:', at + 6)) {
    let end = at + 6
    while (isNameChar(xml[end]) && xml[end] !== ':') end++
    const prefix = xml.slice(at + 6, end)
    const eq = skipSpace(xml, end)
    if (!prefix || !/^[A-Za-z_]/.test(prefix) || xml[eq] !== '=') continue
    const q = skipSpace(xml, eq + 1)
    const quote = xml[q]
    if ((quote === '"' || quote === "'") && xml.startsWith(uri + quote, q + 1)) out.add(prefix)
  }
  return [...out]
}

/** A span to cut, widened over the spaces/tabs before it and the spaces/tabs and one line break after it. */
function lineSpan(xml: string, start: number, end: number): [number, number] {
  while (start > 0 && (xml[start - 1] === ' ' || xml[start - 1] === '\t')) start--
  while (xml[end] === ' ' || xml[end] === '\t') end++
  if (xml[end] === '\r' && xml[end + 1] === '\n') end += 2
  else if (xml[end] === '\n') end++
  return [start, end]
}

/** Cut the spans (sorted by start; a widened start may reach into the previous span) out of the text. */
function cut(xml: string, spans: Array<[number, number]>): string {
  const parts: string[] = []
  let from = 0
  for (const [a, b] of spans) {
    if (b <= from) continue
    parts.push(xml.slice(from, Math.max(a, from)))
    from = b
  }
  parts.push(xml.slice(from))
  return parts.join('')
}

/** Where `<name` at i is a start tag of exactly that name: the index after its `>` and whether it was `/>`; null otherwise. */
function startTag(xml: string, find: ReturnType<typeof finder>, i: number, name: string): { end: number; empty: boolean } | null {
  const after = xml[i + 1 + name.length]
  if (!(isSpace(after) || after === '>' || after === '/')) return null
  const gt = find('>', i)
  if (gt < 0) return null
  return { end: gt + 1, empty: xml[gt - 1] === '/' }
}

/** The element form (with its content: these properties never nest) and the empty-element form of `name`. */
function elementSpans(xml: string, name: string): Array<[number, number]> {
  const find = finder(xml)
  const spans: Array<[number, number]> = []
  const open = `<${name}`
  const close = `</${name}`
  for (let i = find(open, 0); i >= 0;) {
    const tag = startTag(xml, find, i, name)
    if (!tag) {
      i = find(open, i + open.length)
      continue
    }
    let end = tag.end
    if (!tag.empty) {
      const c = find(close, tag.end)
      if (c < 0) {
        // Unclosed: leave it. Later openings may still be empty elements; their close search is remembered as failed.
        i = find(open, tag.end)
        continue
      }
      const gt = skipSpace(xml, c + close.length)
      if (xml[gt] !== '>') {
        i = find(open, c + close.length)
        continue
      }
      end = gt + 1
    }
    spans.push(lineSpan(xml, i, end))
    i = find(open, end)
  }
  return spans
}

/** Where a quoted attribute value starts at i (after `=`): the index after its closing quote, or -1. */
function quotedEnd(xml: string, find: ReturnType<typeof finder>, i: number): number {
  const quote = xml[i]
  if (quote !== '"' && quote !== "'") return -1
  const q = find(quote, i + 1)
  return q < 0 ? -1 : q + 1
}

/** ` name="…"` attribute forms, with the whitespace before them. */
function attributeSpans(xml: string, name: string): Array<[number, number]> {
  const find = finder(xml)
  const spans: Array<[number, number]> = []
  for (let i = find(name, 0); i >= 0; i = find(name, i + name.length)) {
    if (!isSpace(xml[i - 1])) continue
    const eq = skipSpace(xml, i + name.length)
    if (xml[eq] !== '=') continue
    const end = quotedEnd(xml, find, skipSpace(xml, eq + 1))
    if (end < 0) continue
    let start = i
    const floor = spans.length ? spans[spans.length - 1]![1] : 0
    while (start > floor && isSpace(xml[start - 1])) start--
    spans.push([start, end])
    i = end - name.length
  }
  return spans
}

/** rdf:Description elements with nothing but namespace declarations and rdf:about (empty shells). */
function emptyDescriptionSpans(xml: string, rdf: string): Array<[number, number]> {
  const find = finder(xml)
  const spans: Array<[number, number]> = []
  const name = `${rdf}:Description`
  const open = `<${name}`
  for (let i = find(open, 0); i >= 0;) {
    let j = i + open.length
    let end = -1
    for (;;) {
      const k = skipSpace(xml, j)
      if (xml.startsWith('/>', k)) {
        end = k + 2
        break
      }
      if (xml[k] === '>') {
        const c = skipSpace(xml, k + 1)
        if (xml.startsWith(`</${name}`, c)) {
          const gt = skipSpace(xml, c + name.length + 2)
          if (xml[gt] === '>') end = gt + 1
        }
        j = k + 1
        break
      }
      if (k === j) break // an attribute must follow whitespace
      let n = k
      while (isNameChar(xml[n])) n++
      const attr = xml.slice(k, n)
      if (!(attr === 'xmlns' || attr.startsWith('xmlns:') || attr === `${rdf}:about`)) break
      const eq = skipSpace(xml, n)
      if (xml[eq] !== '=') break
      const v = quotedEnd(xml, find, skipSpace(xml, eq + 1))
      if (v < 0) break
      j = v
    }
    if (end >= 0) {
      spans.push(lineSpan(xml, i, end))
      i = find(open, end)
    } else i = find(open, Math.max(j, i + open.length))
  }
  return spans
}

export class SidecarFormatError extends Error {}

/** An opening `<p:RDF` followed by whitespace or `>`. */
function hasRdfOpen(xml: string, prefix: string): boolean {
  const open = `<${prefix}:RDF`
  for (let i = xml.indexOf(open); i >= 0; i = xml.indexOf(open, i + open.length)) {
    const c = xml[i + open.length]
    if (isSpace(c) || c === '>') return true
  }
  return false
}

/**
 * Merge `text` into an existing sidecar's XML: drop its old descriptions and alt
 * texts, add ours before the closing rdf:RDF. Throws SidecarFormatError when the
 * file has no rdf:RDF element to merge into. Linear in the sidecar's size
 * (see [Note: Linear-time sidecar merge]).
 */
export function mergeSidecar(existing: string, text: string): string {
  const rdfPrefixes = prefixesFor(existing, NS.rdf, 'rdf')
  const close = rdfPrefixes.map((p) => existing.lastIndexOf(`</${p}:RDF>`)).reduce((a, b) => Math.max(a, b), -1)
  const open = rdfPrefixes.some((p) => hasRdfOpen(existing, p))
  if (close < 0 || !open) throw new SidecarFormatError('not an XMP packet (no rdf:RDF element)')
  let xml = existing
  const props = [
    ...prefixesFor(existing, NS.dc, 'dc').map((p) => `${p}:description`),
    ...prefixesFor(existing, NS.iptcCore, 'Iptc4xmpCore').map((p) => `${p}:AltTextAccessibility`),
  ]
  for (const name of props) {
    xml = cut(xml, elementSpans(xml, name))
    xml = cut(xml, attributeSpans(xml, name))
  }
  // rdf:Description elements left with no property at all (ours from an earlier
  // export, or one that held only a description) are dropped, so repeated
  // exports do not pile up empty shells
  for (const p of rdfPrefixes) xml = cut(xml, emptyDescriptionSpans(xml, p))
  const at = rdfPrefixes.map((p) => xml.lastIndexOf(`</${p}:RDF>`)).reduce((a, b) => Math.max(a, b), -1)
  const lineStart = xml.lastIndexOf('\n', at) + 1
  const before = xml.slice(0, at)
  const onOwnLine = before.slice(lineStart).trim() === ''
  const insertAt = onOwnLine ? lineStart : at
  return xml.slice(0, insertAt) + altTextDescription(text) + '\n' + xml.slice(insertAt)
}
