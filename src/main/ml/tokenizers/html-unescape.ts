// Python's `html.unescape` (CPython 3.11 Lib/html/__init__.py), which CLIP's
// tokenizer applies twice. Named references are resolved by the `entities`
// package (the WHATWG HTML5 table, including the legacy names that may omit the
// semicolon); numeric references follow CPython's own rules, which differ from
// the HTML spec: invalid code points vanish, C1 numbers map through cp1252.
import { decodeHTML } from 'entities'

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g

// CPython html._invalid_charrefs
const INVALID_CHARREFS: Record<number, string> = {
  0x00: '\ufffd',
  0x0d: '\r',
  0x80: '\u20ac',
  0x81: '\x81',
  0x82: '\u201a',
  0x83: '\u0192',
  0x84: '\u201e',
  0x85: '\u2026',
  0x86: '\u2020',
  0x87: '\u2021',
  0x88: '\u02c6',
  0x89: '\u2030',
  0x8a: '\u0160',
  0x8b: '\u2039',
  0x8c: '\u0152',
  0x8d: '\x8d',
  0x8e: '\u017d',
  0x8f: '\x8f',
  0x90: '\x90',
  0x91: '\u2018',
  0x92: '\u2019',
  0x93: '\u201c',
  0x94: '\u201d',
  0x95: '\u2022',
  0x96: '\u2013',
  0x97: '\u2014',
  0x98: '\u02dc',
  0x99: '\u2122',
  0x9a: '\u0161',
  0x9b: '\u203a',
  0x9c: '\u0153',
  0x9d: '\x9d',
  0x9e: '\u017e',
  0x9f: '\u0178',
}

// CPython html._invalid_codepoints: these numeric references decode to nothing.
function isInvalidCodepoint(n: number): boolean {
  if ((n >= 0x1 && n <= 0x8) || n === 0xb || (n >= 0xe && n <= 0x1f) || (n >= 0x7f && n <= 0x9f) || (n >= 0xfdd0 && n <= 0xfdef)) return true
  return (n & 0xfffe) === 0xfffe && n <= 0x10ffff
}

function numericRef(ref: string): string {
  const hex = ref[1] === 'x' || ref[1] === 'X'
  const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '')
  // Big digit strings: CPython gets an int > 0x10FFFF -> U+FFFD; parseInt gives a large float, same branch.
  const n = parseInt(digits, hex ? 16 : 10)
  const fixed = INVALID_CHARREFS[n]
  if (fixed !== undefined) return fixed
  if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return '\ufffd'
  if (isInvalidCodepoint(n)) return ''
  return String.fromCodePoint(n)
}

export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(CHARREF, (_whole, ref: string) => (ref[0] === '#' ? numericRef(ref) : decodeHTML(`&${ref}`)))
}
