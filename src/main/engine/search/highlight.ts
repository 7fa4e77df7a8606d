// Highlighting query matches in a caption or a path, in JavaScript.
//
// FTS5's highlight() re-runs the query per row, which at 100k captions cost more
// than the search itself; here the same matching rules are applied to the few
// rows shown: text is split into tokens the way FTS5's unicode61 tokenizer does
// (runs of letters, digits and marks), each folded the way remove_diacritics 2
// folds it (case and diacritics), and a token is a match when it equals a query
// token, or starts with it for a prefix term. Tokens of a phrase are marked
// wherever they occur (a highlight may say a little more than the phrase).
import type { ParsedQuery } from './fts-query.ts'

export interface Highlight {
  text: string
  match: boolean
}

const TOKEN = /[\p{L}\p{N}\p{M}]+/gu

export function fold(token: string): string {
  return token.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

export interface Matcher {
  exact: Set<string>
  prefixes: string[]
}

export function matcherFor(parsed: ParsedQuery): Matcher {
  const exact = new Set<string>()
  const prefixes: string[] = []
  for (const group of parsed.groups) {
    for (const term of group) {
      if (term.negated) continue
      const tokens = (term.text.match(TOKEN) ?? []).map(fold).filter((t) => t.length > 0)
      tokens.forEach((t, i) => {
        if (term.prefix && i === tokens.length - 1) prefixes.push(t)
        else exact.add(t)
      })
    }
  }
  return { exact, prefixes }
}

/** `text` split into pieces, the matching tokens marked; null when nothing matches. */
export function highlight(text: string, matcher: Matcher): Highlight[] | null {
  const out: Highlight[] = []
  let last = 0
  let any = false
  for (const m of text.matchAll(TOKEN)) {
    const folded = fold(m[0])
    if (!matcher.exact.has(folded) && !matcher.prefixes.some((p) => folded.startsWith(p))) continue
    any = true
    if (m.index > last) out.push({ text: text.slice(last, m.index), match: false })
    out.push({ text: m[0], match: true })
    last = m.index + m[0].length
  }
  if (!any) return null
  if (last < text.length) out.push({ text: text.slice(last), match: false })
  return out
}
