// Text cleaning of CLIP's tokenizer (SPEC §8.2): openai/CLIP runs ftfy.fix_text,
// html.unescape twice, strips, collapses whitespace and lowercases. We do not port
// ftfy; `ftfyLike` applies, in SPEC's order, exactly the ftfy fixes that matter
// for captions and search text, which reproduces the real ftfy on every golden
// string. Real ftfy's mojibake repair is heuristic; we repair only the clear case
// (a run of Latin-1/cp1252 characters that is, byte for byte, valid UTF-8).
import { htmlUnescape } from './html-unescape.ts'

// ftfy's "sloppy" windows-1252 for bytes 0x80..0x9F: the five undefined bytes map to
// themselves. (Node's TextDecoder('windows-1252') decodes as Latin-1, so we spell it out.)
const CP1252_C1 = '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178'
const cp1252Char = (byte: number): string => (byte >= 0x80 && byte <= 0x9f ? CP1252_C1[byte - 0x80]! : String.fromCharCode(byte))
/** character -> byte, for the 0x80..0xFF half of cp1252 plus Latin-1 (mojibake sources) */
const MOJIBAKE_BYTE = new Map<string, number>()
for (let b = 0x80; b <= 0xff; b++) {
  MOJIBAKE_BYTE.set(String.fromCharCode(b), b)
  MOJIBAKE_BYTE.set(cp1252Char(b), b)
}
const MOJIBAKE_RUN = new RegExp(`[${[...MOJIBAKE_BYTE.keys()].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]{2,}`, 'g')
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

// [Note: mojibake false positives]
// An upper-case accented letter or ß followed by a cp1252 symbol can be valid UTF-8 by
// accident (German „Gruß“ ends in DF 93 = U+07D3). Two-byte repairs are therefore kept
// only when they land in Latin, Greek or Cyrillic, where real mojibake comes from;
// three- and four-byte sequences (â€™, emoji) need three or four odd characters in a
// row and are always repaired.
function plausibleRepair(ch: string): boolean {
  const cp = ch.codePointAt(0)!
  return cp < 0x80 || (cp >= 0xa0 && cp <= 0x24f) || (cp >= 0x370 && cp <= 0x4ff) || cp >= 0x800
}

/** Undo UTF-8 that was decoded as cp1252/Latin-1, repeatedly (double mojibake). */
export function fixMojibake(text: string): string {
  for (let round = 0; round < 4; round++) {
    const next = text.replace(MOJIBAKE_RUN, (run) => {
      const bytes = Uint8Array.from([...run].map((c) => MOJIBAKE_BYTE.get(c)!))
      let fixed: string
      try {
        fixed = strictUtf8.decode(bytes)
      } catch {
        return run
      }
      return [...fixed].every(plausibleRepair) ? fixed : run
    })
    if (next === text) return text
    text = next
  }
  return text
}

// ftfy chardata.LIGATURES
const LIGATURES: Record<string, string> = {
  'Ĳ': 'IJ', 'ĳ': 'ij', 'ŉ': 'ʼn', 'Ǳ': 'DZ', 'ǲ': 'Dz', 'ǳ': 'dz', 'Ǆ': 'DŽ', 'ǅ': 'Dž', 'ǆ': 'dž',
  'Ǉ': 'LJ', 'ǈ': 'Lj', 'ǉ': 'lj', 'Ǌ': 'NJ', 'ǋ': 'Nj', 'ǌ': 'nj',
  'ﬀ': 'ff', 'ﬁ': 'fi', 'ﬂ': 'fl', 'ﬃ': 'ffi', 'ﬄ': 'ffl', 'ﬅ': 'ſt', 'ﬆ': 'st',
}
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g')
// ftfy remove_control_chars: C0 except \t \n \f \r, DEL, deprecated format chars, BOM, interlinear annotation
const CONTROL_RE = /[\u0000-\u0008\u000b\u000e-\u001f\u007f\u206a-\u206f\ufeff\ufff9-\ufffc]/g

/** The ftfy fixes that matter, in SPEC §8.2's order. */
export function ftfyLike(text: string): string {
  // ftfy's own HTML pass (entities with ';' only), skipped when the text looks like HTML.
  if (!text.includes('<')) text = text.replace(/&#?[0-9A-Za-z]{1,24};/g, ftfyEntity)
  text = fixMojibake(text)
  text = text.replace(/\r\n|[\r\u2028\u2029]/g, '\n')
  text = text.replace(/[\u0080-\u009f]/g, (c) => cp1252Char(c.charCodeAt(0)))
  text = text.replace(CONTROL_RE, '')
  text = text.replace(LIGATURE_RE, (c) => LIGATURES[c]!)
  text = text.replace(/[\uff01-\uff5e\u3000]/g, (c) => c.normalize('NFKC'))
  text = text.replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'").replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
  return text.normalize('NFC')
}

// ftfy fixes.unescape_html: known entity (or an all-caps form of a lower-case one), numeric refs.
function ftfyEntity(entity: string): string {
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

// str.strip() uses Python's str.isspace(); simple_tokenizer imports `regex as re`, whose \s
// in `re.sub(r'\s+', ' ', text)` is Unicode White_Space (no U+001C..U+001F; ftfy removes
// those anyway unless it is skipped).
const PY_SPACE = '\\t\\n\\v\\f\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const SPACE_RUN = /\p{White_Space}+/gu
const EDGE_SPACE = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g')

export function pyStrip(text: string): string {
  return text.replace(EDGE_SPACE, '')
}

export interface ClipCleanOptions {
  /** false: skip the ftfy step entirely (what `ids_if_ftfy_skipped` in the goldens encodes) */
  ftfy?: boolean
}

/** basic_clean + whitespace_clean + lower(), as simple_tokenizer.encode does. */
export function cleanClipText(text: string, options: ClipCleanOptions = {}): string {
  if (options.ftfy !== false) text = ftfyLike(text)
  text = pyStrip(htmlUnescape(htmlUnescape(text)))
  text = pyStrip(text.replace(SPACE_RUN, ' '))
  return text.toLowerCase()
}
