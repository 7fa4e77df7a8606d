// Text cleaning of CLIP's tokenizer: openai/CLIP runs ftfy.fix_text,
// html.unescape twice, strips, collapses whitespace and lowercases. ftfy is
// reproduced by our own implementation of its rules (ftfy.ts).
import { fixText } from './ftfy.ts'
import { htmlUnescape } from './html-unescape.ts'

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
  if (options.ftfy !== false) text = fixText(text)
  text = pyStrip(htmlUnescape(htmlUnescape(text)))
  text = pyStrip(text.replace(SPACE_RUN, ' '))
  return text.toLowerCase()
}
