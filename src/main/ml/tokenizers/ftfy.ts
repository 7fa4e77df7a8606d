// `ftfy.fix_text` with ftfy 6.3.1's default configuration, which OpenAI CLIP's
// tokenizer runs on every text. Our own implementation of ftfy's
// rules, step for step, so that the token ids match OpenAI's exactly:
//
// fixText splits the text after each "\n" and fixes each piece until nothing
// changes, in ftfy's order: HTML entities (only while no "<" has been seen),
// mojibake (fixEncoding), C1 controls, Latin ligatures, character width
// (U+FF01–U+FFEF and U+3000), quotes (U+02BC and U+2018–U+201F, never primes),
// line breaks, surrogates, ANSI escape sequences, control characters, NFC.
//
// fixEncoding only acts when the text "looks bad" (the badness patterns: unlikely
// juxtapositions of the few hundred characters mojibake is made of). It then
// re-encodes the text in the first single-byte encoding that can represent it
// (Latin-1, the "sloppy" Windows code pages, ISO-8859-2, MacRoman, CP437) and
// decodes the bytes as UTF-8 (CESU-8 and Java's C0 80 accepted), after putting
// back 0xA0 bytes that became spaces and marking lost bytes as U+FFFD. Failing
// that, runs that look like UTF-8 are repaired in isolation, Latin-1 is read as
// Windows-1252, or C1 controls are mapped through Windows-1252.
//
// Strings are JavaScript's (UTF-16); every regex uses the `u` flag so classes see
// code points as Python does. Character data: ftfy-data.ts.
import { CHARMAP_TABLES, CP1252_STRICT_C1, MOJIBAKE_CLASSES as M, UTF8_CLUE_CLASSES as U, WIDTH_MAP } from './ftfy-data.ts'
import { htmlUnescape } from './html-unescape.ts'

/** Python's str.isspace() characters (what `\s` means in ftfy's `re` patterns). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}'
/** Python `re`'s `\w` on str: alphanumeric (str.isalnum) or underscore. */
const PY_WORD = '[\\p{L}\\p{N}_]'

// ---------- badness: does the text look like mojibake? ----------

const cls = (...parts: string[]): string => `[${parts.join('')}]`
const ANY_PUNCT_ETC = [M.bad, M.lower_accented, M.upper_accented, M.box, M.start_punctuation, M.end_punctuation, M.currency, M.numeric, M.law]
const ARABIC_TAIL = cls(M.common, M.currency, M.bad, M.numeric, M.start_punctuation, 'ŸŠ®°µ»')

/** The juxtapositions that are far likelier in mojibake than in real text (ftfy's badness rules). */
const BADNESS_RULES: string[] = [
  cls(M.c1),
  cls(...ANY_PUNCT_ETC) + cls(M.bad),
  '[a-zA-Z]' + cls(M.lower_common, M.upper_common) + cls(M.bad),
  cls(M.bad) + cls(...ANY_PUNCT_ETC.slice(1)),
  cls(M.lower_accented, M.lower_common, M.box, M.end_punctuation, M.currency, M.numeric) + cls(M.upper_accented),
  cls(M.box, M.end_punctuation, M.currency, M.numeric) + cls(M.lower_accented),
  cls(M.lower_accented, M.box, M.end_punctuation) + cls(M.currency),
  `[${PY_SPACE}]` + cls(M.upper_accented) + cls(M.currency),
  cls(M.upper_accented, M.box) + cls(M.numeric, M.law),
  cls(M.lower_accented, M.upper_accented, M.box, M.currency, M.end_punctuation) + cls(M.start_punctuation) + cls(M.numeric),
  cls(M.lower_accented, M.upper_accented, M.currency, M.numeric, M.box, M.law) + cls(M.end_punctuation) + cls(M.start_punctuation),
  cls(M.currency, M.numeric, M.box) + cls(M.start_punctuation),
  '[a-z]' + cls(M.upper_accented) + cls(M.start_punctuation, M.currency),
  cls(M.box) + cls(M.kaomoji),
  cls(M.lower_accented, M.upper_accented, M.currency, M.numeric, M.start_punctuation, M.end_punctuation, M.law) + cls(M.box),
  cls(M.box) + cls(M.end_punctuation),
  cls(M.lower_accented, M.upper_accented) + cls(M.start_punctuation, M.end_punctuation) + PY_WORD,
  '[Œœ][^A-Za-z]', // œ not followed by an unaccented Latin letter
  cls(M.upper_accented) + '°',
  // two-character Windows-1252 mojibake the rules above miss
  '[ÂÃÎÐ]' + cls('€œŠš¢£Ÿž\\u{a0}\\u{ad}®©°·»', M.start_punctuation, M.end_punctuation, '–—´'),
  '×[²³]',
  // Windows-1252 mojibake of Arabic: four characters, because the 'common' ones are involved
  `[ØÙ]${ARABIC_TAIL}[ØÙ]${ARABIC_TAIL}`,
  'à[²µ¹¼½¾]', // three-byte South Asian scripts in Windows-1252
  // MacRoman
  '√[±∂†≠®™´≤≥¥µø]',
  '≈[°¢]',
  '‚Ä[ìîïòôúùû†°¢π]',
  '‚[âó][àä°ê]',
  'вЂ', // Windows-1251 of U+2000..
  '[ВГРС]' + cls(M.c1, M.bad, M.start_punctuation, M.end_punctuation, M.currency, '°µ') + '[ВГРС]',
  'ГўВЂВ[^\\n][A-Za-z ]', // Windows-1251 over Latin-1 over Windows-1252
  'Ã[\\u{a0}¡]', // à, á and U+A0 itself
  `[a-z][${PY_SPACE}]?[ÃÂ][ ]`,
  '^[ÃÂ][ ]',
  '[a-z.,?!' + M.end_punctuation + ']Â[ ' + M.start_punctuation + M.end_punctuation + ']', // Â before the character it encodes
  'β€[™\\u{a0}Ά\\u{ad}®°]', // Windows-1253 of U+2000..
  '[ΒΓΞΟ]' + cls(M.c1, M.bad, M.start_punctuation, M.end_punctuation, M.currency, '°') + '[ΒΓΞΟ]',
  'ā€', // Windows-1257 of U+2000..
]
const BADNESS_RE = new RegExp(BADNESS_RULES.join('|'), 'u')

/** True when `text` contains a sequence that looks like mojibake. */
export function isBad(text: string): boolean {
  return BADNESS_RE.test(text)
}

// ---------- single-byte encodings and bytes ----------

interface Charmap {
  name: string
  sloppy: boolean
  /** character -> byte, for everything except ASCII (minus 0x1A) */
  toByte: Map<string, number>
  /** byte -> character (0x80..0xFF) */
  high: string
}

const CHARMAPS: Charmap[] = CHARMAP_TABLES.map((t) => {
  const toByte = new Map<string, number>()
  ;[...t.high].forEach((c, i) => toByte.set(c, 0x80 + i))
  // ftfy's sloppy codecs let byte 0x1A stand for U+FFFD; in the others it is itself.
  toByte.set(t.sloppy ? '\ufffd' : '\x1a', 0x1a)
  return { name: t.name, sloppy: t.sloppy, toByte, high: t.high }
})

/** The text as bytes of `map`, or null when some character has no byte there. */
function encodeCharmap(text: string, map: Charmap): Uint8Array | null {
  const out: number[] = []
  for (const c of text) {
    const cp = c.codePointAt(0)!
    if (cp < 0x80 && cp !== 0x1a) out.push(cp)
    else {
      const b = map.toByte.get(c)
      if (b === undefined) return null
      out.push(b)
    }
  }
  return Uint8Array.from(out)
}

// Byte-level patterns run over a "binary string" (one char per byte, no `u` flag).
const binary = (bytes: Uint8Array): string => {
  let s = ''
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192))
  return s
}
const unbinary = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))

// UTF-8 that would be valid but for a 0xA0 byte turned into a space by a Windows-1252 program.
const ALTERED_UTF8 =
  /[\xc2\xc3\xc5\xce\xd0\xd9][ ]|[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf]|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ]|\xf0[ ][\x80-\xbf][\x80-\xbf]|\xf0[\x80-\xbf][ ][\x80-\xbf]|\xf0[\x80-\xbf][\x80-\xbf][ ]/g
// "à " in Portuguese/Catalan/etc. text, except before words where à is not meant.
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g
// UTF-8 (and CESU-8) sequences with lost continuation bytes: 0x1A marks a byte that became U+FFFD.
const LOSSY_UTF8 =
  /[\xc2-\xdf]\x1a|[\xc2-\xc3]\?|\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]|\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]|[\xe0-\xef][\x1a?][\x1a\x80-\xbf]|[\xe0-\xef][\x1a\x80-\xbf][\x1a?]|[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]|[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]|\x1a/g

function restoreByteA0(bytes: string): string {
  return bytes.replace(A_GRAVE_WORD, '\xc3\xa0 ').replace(ALTERED_UTF8, (m) => m.replaceAll(' ', '\xa0'))
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return null
  }
}

// ftfy's "utf-8-variants": also C0 80 (Java's NUL) and CESU-8 surrogate pairs; a lone surrogate fails.
const VARIANT = /\xc0\x80|\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]|\xc0$|\xed(?:[\xa0-\xbf]|$)(?:[\x80-\xbf]|$)/g

function decodeUtf8Variants(bytes: string): string | null {
  let out = ''
  let pos = 0
  for (const m of bytes.matchAll(VARIANT)) {
    const part = decodeUtf8Strict(unbinary(bytes.slice(pos, m.index)))
    if (part === null) return null
    out += part
    const s = m[0]
    if (s === '\xc0\x80') out += '\0'
    else if (s.length === 6) {
      const b = unbinary(s)
      out += String.fromCodePoint(((b[1]! & 0x0f) << 16) + ((b[2]! & 0x3f) << 10) + ((b[4]! & 0x0f) << 6) + (b[5]! & 0x3f) + 0x10000)
    } else return null
    pos = m.index + s.length
  }
  const rest = decodeUtf8Strict(unbinary(bytes.slice(pos)))
  return rest === null ? null : out + rest
}

// ---------- fix_encoding ----------

const ASCII_ONLY = /^[\0-\x7f]*$/
const C1 = /[\x80-\x9f]/u
const C1_ALL = /[\x80-\x9f]/gu
const SLOPPY_1252 = CHARMAPS.find((m) => m.name === 'sloppy-windows-1252')!

/** Runs of what UTF-8 lead and continuation bytes look like in those encodings (not right after another continuation-like character). */
const UTF8_DETECTOR = new RegExp(
  `(?<!${cls(U.utf8_continuation_strict)})(?:${cls(U.utf8_first_of_2)}${cls(U.utf8_continuation)}|${cls(U.utf8_first_of_3)}${cls(U.utf8_continuation)}{2}|${cls(U.utf8_first_of_4)}${cls(U.utf8_continuation)}{3})+`,
  'gu',
)

function fixC1Controls(text: string): string {
  return text.replace(C1_ALL, (c) => SLOPPY_1252.high[c.charCodeAt(0) - 0x80]!)
}

/** Latin-1 read back as strict Windows-1252, or null when a byte is undefined there. */
function latin1AsCp1252(text: string): string | null {
  let out = ''
  for (const c of text) {
    const cp = c.codePointAt(0)!
    if (cp >= 0x80 && cp <= 0x9f) {
      const d = CP1252_STRICT_C1[cp - 0x80]
      if (d === null || d === undefined) return null
      out += d
    } else out += c
  }
  return out
}

function fixEncodingStep(text: string): string {
  if (text.length === 0 || ASCII_ONLY.test(text) || !isBad(text)) return text
  let latin1Possible = false
  for (const map of CHARMAPS) {
    const encoded = encodeCharmap(text, map)
    if (encoded === null) continue
    if (map.name === 'latin-1') latin1Possible = true
    let bytes = binary(encoded)
    ALTERED_UTF8.lastIndex = 0
    if (map.name !== 'macroman' && ALTERED_UTF8.test(bytes)) bytes = restoreByteA0(bytes)
    ALTERED_UTF8.lastIndex = 0
    if (map.sloppy) bytes = bytes.replace(LOSSY_UTF8, '\xef\xbf\xbd')
    const fixed = bytes.includes('\xed') || bytes.includes('\xc0') ? decodeUtf8Variants(bytes) : decodeUtf8Strict(unbinary(bytes))
    if (fixed !== null) return fixed
  }
  UTF8_DETECTOR.lastIndex = 0
  if (UTF8_DETECTOR.test(text)) {
    UTF8_DETECTOR.lastIndex = 0
    const fixed = text.replace(UTF8_DETECTOR, (run) => (run !== text && isBad(run) ? fixEncoding(run) : run))
    if (fixed !== text) return fixed
  }
  // Characters of Latin-1 that Windows-1252 does not have are C1 controls: assume Windows-1252 was meant.
  // (ftfy's check for "Windows-1252 also possible" never matches its sloppy codec's name, so this always runs.)
  if (latin1Possible) {
    const fixed = latin1AsCp1252(text)
    if (fixed !== null && fixed !== text) return fixed
  }
  if (C1.test(text)) return fixC1Controls(text)
  return text
}

/** ftfy.fix_encoding: repeat single repair steps until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const next = fixEncodingStep(text)
    if (next === text) return text
    text = next
  }
}

// ---------- the other fixers ----------

const HTML_ENTITY = /&#?[0-9A-Za-z]{1,24};/g

// ftfy's entity table: every HTML5 name written with ';', plus the upper-cased
// form of lower-case names that are not entities themselves (&EACUTE; -> É).
function unescapeEntity(entity: string): string {
  if (entity.startsWith('&#')) {
    const out = htmlUnescape(entity)
    return out.includes(';') ? entity : out
  }
  const direct = htmlUnescape(entity)
  if (direct !== entity && !direct.endsWith(';')) return direct
  const lower = entity.toLowerCase()
  if (entity === entity.toUpperCase() && lower !== entity && direct === entity) {
    const char = htmlUnescape(lower)
    if (char !== lower && !char.endsWith(';')) return char.toUpperCase()
  }
  return entity
}

const LIGATURES: Record<string, string> = {
  Ĳ: 'IJ',
  ĳ: 'ij',
  ŉ: 'ʼn',
  Ǳ: 'DZ',
  ǲ: 'Dz',
  ǳ: 'dz',
  Ǆ: 'DŽ',
  ǅ: 'Dž',
  ǆ: 'dž',
  Ǉ: 'LJ',
  ǈ: 'Lj',
  ǉ: 'lj',
  Ǌ: 'NJ',
  ǋ: 'Nj',
  ǌ: 'nj',
  ﬀ: 'ff',
  ﬁ: 'fi',
  ﬂ: 'fl',
  ﬃ: 'ffi',
  ﬄ: 'ffl',
  ﬅ: 'ſt',
  ﬆ: 'st',
}
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'gu')
const WIDTH_RE = /[\u3000\uff01-\uffef]/g
const SINGLE_QUOTES = /[\u02bc\u2018-\u201b]/g
const DOUBLE_QUOTES = /[\u201c-\u201f]/g
const LONE_SURROGATE = /[\ud800-\udfff]/gu
// ESC [ parameters (Python's \d: any decimal digit) and a letter.
const ANSI_ESCAPE = /\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu
const CONTROL_CHARS = /[\0-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g

function fixOtherThings(text: string): string {
  text = fixC1Controls(text)
  text = text.replace(LIGATURE_RE, (c) => LIGATURES[c]!)
  text = text.replace(WIDTH_RE, (c) => WIDTH_MAP[c.charCodeAt(0)] ?? c)
  text = text.replace(DOUBLE_QUOTES, '"').replace(SINGLE_QUOTES, "'")
  text = text.replaceAll('\r\n', '\n').replace(/[\r\u2028\u2029\u0085]/g, '\n')
  text = text.replace(LONE_SURROGATE, '\ufffd')
  text = text.replace(ANSI_ESCAPE, '')
  return text.replace(CONTROL_CHARS, '')
}

/** ftfy fix_and_explain on one segment: every fix in order, until a full pass changes nothing. */
function fixSegment(text: string, unescapeHtml: boolean): string {
  for (;;) {
    const orig = text
    if (unescapeHtml) text = text.replace(HTML_ENTITY, unescapeEntity)
    text = fixEncoding(text)
    text = fixOtherThings(text).normalize('NFC')
    if (text === orig) return text
  }
}

/** ftfy's limit on one segment, in characters (code points). */
const MAX_DECODE_LENGTH = 1_000_000

/** ftfy.fix_text(text) with the default configuration. */
export function fixText(text: string): string {
  let out = ''
  let unescapeHtml = true
  let pos = 0
  while (pos < text.length) {
    let end = text.indexOf('\n', pos) + 1
    if (end === 0) end = text.length
    // Longer lines are fixed in pieces of MAX_DECODE_LENGTH code points, as ftfy does.
    if (end - pos > MAX_DECODE_LENGTH) {
      let i = pos
      for (let n = 0; n < MAX_DECODE_LENGTH && i < end; n++) i += text.codePointAt(i)! > 0xffff ? 2 : 1
      end = i
    }
    const segment = text.slice(pos, end)
    // Once a segment looks like HTML, entities are left alone from there on ("auto").
    if (unescapeHtml && segment.includes('<')) unescapeHtml = false
    out += fixSegment(segment, unescapeHtml)
    pos = end
  }
  return out
}
