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
 * Text as XML character data: & < > escaped (and quotes, harmlessly), and the
 * characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates,
 * U+FFFE/U+FFFF) dropped, since no escape exists for them.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** True when `escapeXml` had to drop characters of `text`. */
export function hasUnrepresentableXml(text: string): boolean {
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
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

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Prefixes bound to `uri` anywhere in the document (plus the conventional one). */
function prefixesFor(xml: string, uri: string, conventional: string): string[] {
  const out = new Set<string>([conventional])
  const re = new RegExp(`xmlns:([A-Za-z_][\\w.-]*)\\s*=\\s*(["'])${escapeRe(uri)}\\2`, 'g')
  let m: RegExpExecArray | null
  while ((m = re.exec(xml)) !== null) out.add(m[1]!)
  return [...out]
}

export class SidecarFormatError extends Error {}

/**
 * Merge `text` into an existing sidecar's XML: drop its old descriptions and alt
 * texts, add ours before the closing rdf:RDF. Throws SidecarFormatError when the
 * file has no rdf:RDF element to merge into.
 */
export function mergeSidecar(existing: string, text: string): string {
  const rdfPrefixes = prefixesFor(existing, NS.rdf, 'rdf')
  const close = rdfPrefixes.map((p) => existing.lastIndexOf(`</${p}:RDF>`)).reduce((a, b) => Math.max(a, b), -1)
  const open = rdfPrefixes.some((p) => new RegExp(`<${escapeRe(p)}:RDF[\\s>]`).test(existing))
  if (close < 0 || !open) throw new SidecarFormatError('not an XMP packet (no rdf:RDF element)')
  let xml = existing
  const props: Array<[string, string]> = [
    ...prefixesFor(existing, NS.dc, 'dc').map((p): [string, string] => [p, 'description']),
    ...prefixesFor(existing, NS.iptcCore, 'Iptc4xmpCore').map((p): [string, string] => [p, 'AltTextAccessibility']),
  ]
  for (const [prefix, local] of props) {
    const name = escapeRe(`${prefix}:${local}`)
    // element form, with its content (these properties never nest themselves), and its leading whitespace
    xml = xml.replace(new RegExp(`[ \\t]*<${name}(\\s[^>]*)?>[\\s\\S]*?</${name}\\s*>[ \\t]*\\r?\\n?`, 'g'), '')
    // empty element form
    xml = xml.replace(new RegExp(`[ \\t]*<${name}(\\s[^>]*)?/>[ \\t]*\\r?\\n?`, 'g'), '')
    // attribute form on an rdf:Description
    xml = xml.replace(new RegExp(`\\s+${name}\\s*=\\s*("[^"]*"|'[^']*')`, 'g'), '')
  }
  // rdf:Description elements left with no property at all (ours from an earlier
  // export, or one that held only a description) are dropped, so repeated
  // exports do not pile up empty shells
  for (const p of rdfPrefixes) {
    const rdf = escapeRe(p)
    const onlyDecls = `((?:\\s+(?:xmlns(?::[\\w.-]+)?|${rdf}:about)\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*`
    xml = xml.replace(new RegExp(`[ \\t]*<${rdf}:Description${onlyDecls}(?:/>|>\\s*</${rdf}:Description\\s*>)[ \\t]*\\r?\\n?`, 'g'), '')
  }
  const at = rdfPrefixes.map((p) => xml.lastIndexOf(`</${p}:RDF>`)).reduce((a, b) => Math.max(a, b), -1)
  const lineStart = xml.lastIndexOf('\n', at) + 1
  const before = xml.slice(0, at)
  const onOwnLine = before.slice(lineStart).trim() === ''
  const insertAt = onOwnLine ? lineStart : at
  return xml.slice(0, insertAt) + altTextDescription(text) + '\n' + xml.slice(insertAt)
}
