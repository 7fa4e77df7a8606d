// XMP packets (in files and in sidecars): a small namespace-aware XML reader
// for the RDF shapes XMP uses (properties as attributes of rdf:Description or
// as child elements; rdf:Alt / rdf:Seq / rdf:Bag lists). Prefixes are resolved
// through xmlns declarations, so a packet with unusual prefixes (or none)
// reads the same. Entities and character references are decoded; UTF-16 and
// UTF-32 packets are detected by BOM or by their zero bytes.
import { decodeXML } from 'entities'

export const ns = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  photoshop: 'http://ns.adobe.com/photoshop/1.0/',
  exif: 'http://ns.adobe.com/exif/1.0/',
  exifEX: 'http://cipa.jp/exif/1.0/',
  tiff: 'http://ns.adobe.com/tiff/1.0/',
  iptcCore: 'http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const

/** One XMP property value: a simple string, or a list (Alt: by language; Seq/Bag: in order). */
export type XmpValue = string | { items: { lang: string | null; value: string }[] }

/** Properties keyed "namespaceURI localName" (only top-level properties of rdf:Description). */
export type XmpProperties = Map<string, XmpValue>

export const key = (namespace: string, local: string): string => `${namespace} ${local}`

/** Bytes of an XMP packet as text, whatever its Unicode encoding. */
export function decodeXmpBytes(bytes: Buffer): string {
  if (bytes.length >= 2) {
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16be(bytes.subarray(2))
    if (bytes[0] === 0xff && bytes[1] === 0xfe) {
      if (bytes.length >= 4 && bytes[2] === 0 && bytes[3] === 0) return utf32(bytes.subarray(4), true)
      return bytes.subarray(2).toString('utf16le')
    }
    if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) return utf32(bytes.subarray(4), false)
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes.length >= 3 && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8')
    // No BOM: '<' as UTF-16/32 has zero bytes around it.
    const lt = bytes.indexOf(0x3c)
    if (lt >= 0) {
      if (bytes[lt + 1] === 0 && bytes[lt + 2] === 0 && bytes[lt + 3] === 0) return utf32(bytes.subarray(lt), true)
      if (lt >= 3 && bytes[lt - 1] === 0 && bytes[lt - 2] === 0 && bytes[lt - 3] === 0) return utf32(bytes.subarray(lt - 3), false)
      // UTF-16: '<' is "3C 00" (LE, at an even offset) or "00 3C" (BE, at an odd one).
      if (lt % 2 === 0 && bytes[lt + 1] === 0) return bytes.subarray(lt).toString('utf16le')
      if (lt % 2 === 1 && bytes[lt - 1] === 0) return utf16be(bytes.subarray(lt - 1))
    }
  }
  return bytes.toString('utf8')
}

function utf16be(b: Buffer): string {
  const swapped = Buffer.from(b.subarray(0, b.length - (b.length % 2)))
  swapped.swap16()
  return swapped.toString('utf16le')
}

function utf32(b: Buffer, little: boolean): string {
  let s = ''
  for (let i = 0; i + 4 <= b.length; i += 4) {
    const cp = little ? b.readUInt32LE(i) : b.readUInt32BE(i)
    if (cp <= 0x10ffff) s += String.fromCodePoint(cp)
  }
  return s
}

interface XmlElement {
  name: string
  attrs: [string, string][]
  children: XmlElement[]
  text: string
  parent: XmlElement | null
  scope: Map<string, string>
}

/** Parse XMP text into its rdf:Description properties; a broken packet yields what was read before the break. */
export function parseXmp(text: string): XmpProperties {
  const root = parseXml(text)
  const props: XmpProperties = new Map()
  const visit = (el: XmlElement): void => {
    const [uri, local] = resolve(el, el.name)
    if (uri === ns.rdf && local === 'Description') {
      for (const [name, value] of el.attrs) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue
        const [au, al] = resolve(el, name, true)
        if (au === ns.rdf || au === ns.xml || au === '') continue
        if (!props.has(key(au, al))) props.set(key(au, al), value)
      }
      for (const child of el.children) {
        const [cu, cl] = resolve(child, child.name)
        if (!props.has(key(cu, cl))) {
          const v = propertyValue(child)
          if (v !== null) props.set(key(cu, cl), v)
        }
      }
    }
    for (const child of el.children) visit(child)
  }
  visit(root)
  return props
}

function propertyValue(el: XmlElement): XmpValue | null {
  for (const child of el.children) {
    const [u, l] = resolve(child, child.name)
    if (u === ns.rdf && (l === 'Alt' || l === 'Seq' || l === 'Bag')) {
      const items: { lang: string | null; value: string }[] = []
      for (const li of child.children) {
        const [lu, ll] = resolve(li, li.name)
        if (lu !== ns.rdf || ll !== 'li') continue
        const lang = li.attrs.find(([n]) => n === 'xml:lang')?.[1] ?? null
        items.push({ lang, value: li.text })
      }
      return { items }
    }
  }
  // A struct (rdf:parseType="Resource" or a nested rdf:Description) is not a value we use.
  if (el.children.length > 0) return null
  const resource = el.attrs.find(([n]) => resolve(el, n, true)[0] === ns.rdf && resolve(el, n, true)[1] === 'resource')
  return resource ? resource[1] : el.text
}

function resolve(el: XmlElement, qname: string, attribute = false): [string, string] {
  const colon = qname.indexOf(':')
  const prefix = colon < 0 ? '' : qname.slice(0, colon)
  const local = colon < 0 ? qname : qname.slice(colon + 1)
  if (prefix === 'xml') return [ns.xml, local]
  if (prefix === '' && attribute) return ['', local]
  return [el.scope.get(prefix) ?? (prefix === '' ? '' : `urn:unbound:${prefix}`), local]
}

const nameChar = /[^\s/>=]/

function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: [], children: [], text: '', parent: null, scope: new Map() }
  let cur = root
  let i = 0
  const n = text.length
  while (i < n) {
    const lt = text.indexOf('<', i)
    if (lt < 0) break
    if (lt > i) cur.text += decodeXML(text.slice(i, lt))
    if (text.startsWith('<!--', lt)) {
      const e = text.indexOf('-->', lt + 4)
      i = e < 0 ? n : e + 3
      continue
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const e = text.indexOf(']]>', lt + 9)
      cur.text += text.slice(lt + 9, e < 0 ? n : e)
      i = e < 0 ? n : e + 3
      continue
    }
    if (text.startsWith('<?', lt)) {
      const e = text.indexOf('?>', lt + 2)
      i = e < 0 ? n : e + 2
      continue
    }
    if (text.startsWith('<!', lt)) {
      const e = text.indexOf('>', lt + 2)
      i = e < 0 ? n : e + 1
      continue
    }
    if (text[lt + 1] === '/') {
      const e = text.indexOf('>', lt + 2)
      const name = text.slice(lt + 2, e < 0 ? n : e).trim()
      // Close up to the matching element (tolerates a missing end tag).
      let el: XmlElement | null = cur
      while (el && el.name !== name) el = el.parent
      if (el && el.parent) cur = el.parent
      i = e < 0 ? n : e + 1
      continue
    }
    let j = lt + 1
    while (j < n && nameChar.test(text[j]!)) j++
    const name = text.slice(lt + 1, j)
    const attrs: [string, string][] = []
    let selfClosing = false
    while (j < n) {
      while (j < n && /\s/.test(text[j]!)) j++
      if (text[j] === '/') {
        selfClosing = true
        j++
        continue
      }
      if (text[j] === '>') {
        j++
        break
      }
      const a0 = j
      while (j < n && nameChar.test(text[j]!)) j++
      const aname = text.slice(a0, j)
      while (j < n && /\s/.test(text[j]!)) j++
      if (text[j] !== '=') {
        if (j === a0) j++
        continue
      }
      j++
      while (j < n && /\s/.test(text[j]!)) j++
      const q = text[j]
      if (q !== '"' && q !== "'") continue
      const end = text.indexOf(q, j + 1)
      if (end < 0) {
        j = n
        break
      }
      attrs.push([aname, decodeXML(text.slice(j + 1, end))])
      j = end + 1
    }
    const scope = new Map(cur.scope)
    for (const [a, v] of attrs) {
      if (a === 'xmlns') scope.set('', v)
      else if (a.startsWith('xmlns:')) scope.set(a.slice(6), v)
    }
    const el: XmlElement = { name, attrs, children: [], text: '', parent: cur, scope }
    cur.children.push(el)
    if (!selfClosing) cur = el
    i = j
  }
  return root
}

/** A simple property as text; for a list, the x-default (or first) item. */
export function xmpText(props: XmpProperties, namespace: string, local: string): string | null {
  const v = props.get(key(namespace, local))
  if (v === undefined) return null
  if (typeof v === 'string') return v
  const pick = v.items.find((i) => i.lang === 'x-default') ?? v.items[0]
  return pick ? pick.value : null
}
