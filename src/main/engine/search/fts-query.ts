// Turning what a person typed into an FTS5 MATCH expression that can never be a
// syntax error.
//
// [Note: safe FTS queries]
// FTS5 has its own query language (AND/OR/NOT/NEAR, column filters, `^`, `*`,
// parentheses, quotes). Passing user text through raw makes `dog's`, `"`, `(`,
// `-`, `a:b` or `NOT` into errors or surprises. Here every term the user gives is
// emitted as a double-quoted FTS5 string (inner quotes doubled), so the tokenizer
// sees it as plain text; the only syntax we produce ourselves is AND, OR, NOT and
// the prefix star. What a person can still express:
//   words            all must match, except stopwords ("the", "at") when the
//                    query has other words; documents matching only some of the
//                    words come second (`any`)
//   "two words"      a phrase
//   word*            a prefix; the last bare word is a prefix too (as you type)
//   -word            must not match
//   a OR b           either
// Anything else (punctuation, brackets, colons) is just text.

export interface FtsTerm {
  text: string
  phrase: boolean
  prefix: boolean
  negated: boolean
}

export interface ParsedQuery {
  /** Groups joined by OR; terms inside a group joined by AND. */
  groups: FtsTerm[][]
}

export interface CompiledQuery {
  /** Every positive term of a group must match (null: nothing to search for). */
  all: string | null
  /** Any positive non-stopword term may match: the looser second tier. */
  any: string | null
}

// Words too common to be worth a looser "any term" match on their own.
const STOPWORDS = new Set(
  'a an and are as at be by for from has he in is it its of on or that the to was were will with this these those there their them they then than into onto over under up down out off my your our his her'.split(
    ' ',
  ),
)

/** True when a token has something the unicode61 tokenizer would index. */
function hasWordChars(s: string): boolean {
  return /[\p{L}\p{N}]/u.test(s)
}

export function parseQuery(text: string, options: { prefixLast?: boolean } = {}): ParsedQuery {
  // FTS5 reads its query as a C string: a NUL would end it inside our quotes.
  const input = text.replace(/\p{Cc}/gu, ' ')
  const prefixLast = options.prefixLast ?? true
  const groups: FtsTerm[][] = [[]]
  // phrases in straight or typographic double quotes, or runs of non-space
  const re = /(-?)["“”]([^"“”]*)["“”]?|(\S+)/gu
  let m: RegExpExecArray | null
  let lastBare: FtsTerm | null = null
  let lastEndsAtEnd = false
  while ((m = re.exec(input)) !== null) {
    const current = groups[groups.length - 1]!
    if (m[3] !== undefined) {
      const raw = m[3]
      if (raw === 'OR') {
        if (current.length > 0) groups.push([])
        lastBare = null
        continue
      }
      const negated = raw.startsWith('-') && raw.length > 1
      let text = negated ? raw.slice(1) : raw
      const prefix = text.endsWith('*')
      text = text.replace(/\*+$/u, '')
      if (!hasWordChars(text)) continue
      const term: FtsTerm = { text, phrase: false, prefix, negated }
      current.push(term)
      lastBare = negated ? null : term
      lastEndsAtEnd = re.lastIndex === input.length
    } else {
      const text = m[2] ?? ''
      if (!hasWordChars(text)) continue
      current.push({ text, phrase: true, prefix: false, negated: m[1] === '-' })
      lastBare = null
    }
  }
  // "results as you type": the word being typed is a prefix, unless a space followed it
  if (prefixLast && lastBare && lastEndsAtEnd) lastBare.prefix = true
  return { groups: groups.filter((g) => g.some((t) => !t.negated)) }
}

/** An FTS5 string literal: the text in double quotes, inner quotes doubled. */
export function quoteFts(text: string): string {
  return `"${text.replace(/"/g, '""')}"`
}

function termSql(t: FtsTerm): string {
  return quoteFts(t.text) + (t.prefix ? '*' : '')
}

const isStopword = (t: FtsTerm) => !t.phrase && !t.prefix && STOPWORDS.has(t.text.toLowerCase())

function groupSql(group: FtsTerm[]): string {
  // "the dog at the beach" needs dog and beach, not "the" and "at" (which every
  // caption has and which make the query slow); a query of stopwords only keeps them
  const positives = group.filter((t) => !t.negated)
  const meaningful = positives.filter((t) => !isStopword(t))
  const pos = (meaningful.length > 0 ? meaningful : positives).map(termSql)
  const neg = group.filter((t) => t.negated).map(termSql)
  const base = pos.length > 1 ? `(${pos.join(' AND ')})` : pos[0]!
  return neg.length === 0 ? base : `(${base} NOT (${neg.join(' OR ')}))`
}

export function compileQuery(parsed: ParsedQuery): CompiledQuery {
  if (parsed.groups.length === 0) return { all: null, any: null }
  const all = parsed.groups.map(groupSql).join(' OR ')
  // The looser tier: documents with any meaningful term (negations still apply).
  const positives = parsed.groups.flatMap((g) => g.filter((t) => !t.negated && !isStopword(t)))
  const negatives = parsed.groups.flatMap((g) => g.filter((t) => t.negated))
  const total = parsed.groups.reduce((n, g) => n + g.filter((t) => !t.negated).length, 0)
  let any: string | null = null
  if (positives.length > 0 && total > 1) {
    // With three or more words, "some of them" means at least two: a photo with
    // only "on" or only "running" is no answer to "dog running on the beach",
    // and pairs keep the tier fast (an OR of common words ranks most captions).
    const terms = positives.slice(0, 8).map(termSql)
    const pairs: string[] = []
    if (terms.length >= 3) for (let i = 0; i < terms.length; i++) for (let j = i + 1; j < terms.length; j++) pairs.push(`(${terms[i]} AND ${terms[j]})`)
    const anySql = pairs.length > 0 ? `(${pairs.join(' OR ')})` : terms.length > 1 ? `(${terms.join(' OR ')})` : terms[0]!
    any = negatives.length ? `(${anySql} NOT (${negatives.map(termSql).join(' OR ')}))` : anySql
  }
  return { all, any }
}
