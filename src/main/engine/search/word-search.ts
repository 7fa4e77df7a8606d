// Word search runner: the compiled FTS5 query (fts-query.ts) against photo_fts
// (migrations 0020, 0022), BM25-ranked, with highlighted captions.
import type { LibraryDb } from '../db/database.ts'
import { compileQuery, parseQuery } from './fts-query.ts'
import { compileFilter, isEmptyFilter, type PhotoFilter } from '../views/photo-filter.ts'
import type { WordHit } from './fusion.ts'
import { highlight, matcherFor, type Highlight, type Matcher } from './highlight.ts'

export type { Highlight } from './highlight.ts'

export interface WordResult extends WordHit {
  /** The caption split into matched and unmatched pieces (null when the caption has no match). */
  captionHighlights: Highlight[] | null
  /** A file or folder path with its matches, when the caption has none. */
  nameHighlights: Highlight[] | null
}

const ANY_TIER_BELOW = 10

/** The first of a photo's paths (space-separated in the FTS row, each with a '/') that matches. */
function highlightedName(names: string, matcher: Matcher): Highlight[] | null {
  for (const name of names.split(/ (?=[^/ ]*\/)/)) {
    const h = highlight(name, matcher)
    if (h) return h
  }
  return null
}

/**
 * Word results, best first. Ranking runs inside FTS5 (`ORDER BY rank`, BM25 with
 * the column weights set by migration 0022); highlights are made afterwards in
 * JS for the returned rows only (highlight.ts), since FTS5's highlight() re-runs
 * the query per row. Filters narrow the ranked rows inside the same query
 * ([Note: one filter meaning]); photos whose files are all gone are found like
 * any other, with the state 'missing'.
 */
export function wordSearch(db: LibraryDb, query: string, options: { limit: number; filters?: PhotoFilter | undefined }): WordResult[] {
  const parsed = parseQuery(query)
  const compiled = compileQuery(parsed)
  if (compiled.all === null) return []
  const filtered = !isEmptyFilter(options.filters)
  const filter = compileFilter(options.filters)
  const ranked = filtered
    ? db.stmt(`SELECT photo_fts.rowid AS id, photo_fts.rank AS rank FROM photo_fts JOIN photos ph ON ph.id = photo_fts.rowid
        WHERE photo_fts MATCH ? AND ${filter.sql} ORDER BY photo_fts.rank, photo_fts.rowid LIMIT ?`)
    : db.stmt(`SELECT rowid AS id, rank FROM photo_fts WHERE photo_fts MATCH ? ORDER BY rank, rowid LIMIT ?`)
  const texts = db.stmt(`SELECT caption, names FROM photo_fts WHERE rowid = ?`)
  const matcher = matcherFor(parsed)
  const seen = new Set<number>()
  const out: WordResult[] = []
  const tiers = [compiled.all, compiled.any]
  for (let tier = 0; tier < tiers.length && out.length < options.limit; tier++) {
    const expr = tiers[tier]
    if (!expr) continue
    // The looser any-term tier ranks every photo with any of the words (tens of
    // thousands at 100k captions for common words), so it only runs when the
    // all-terms tier found little.
    if (tier === 1 && out.length >= Math.min(options.limit, ANY_TIER_BELOW)) break
    // photos the first tier found come again in the second: ask for enough to fill the page past them
    const want = options.limit - out.length + seen.size
    const rows = (filtered ? ranked.all(expr, ...filter.args, want) : ranked.all(expr, want)) as { id: number; rank: number }[]
    for (const r of rows) {
      if (seen.has(r.id) || out.length >= options.limit) continue
      seen.add(r.id)
      const t = texts.get(r.id) as { caption: string; names: string } | undefined
      const captionHighlights = t ? highlight(t.caption, matcher) : null
      out.push({ id: r.id, bm25: r.rank, tier, captionHighlights, nameHighlights: t && !captionHighlights ? highlightedName(t.names, matcher) : null })
    }
  }
  return out
}

/** Highlights as text with the matches wrapped in [[ ]] (the API's snippet format). */
export function bracketed(pieces: Highlight[]): string {
  return pieces.map((p) => (p.match ? `[[${p.text}]]` : p.text)).join('')
}
