// Word search runner: the compiled FTS5 query (fts-query.ts) against photo_fts
// (migration 0020), BM25-ranked, with highlighted captions.
import type { LibraryDb } from '../db/database.ts'
import { compileQuery, parseQuery } from './fts-query.ts'
import { filterCondition, type SearchFilters } from './filters.ts'
import type { WordHit } from './fusion.ts'

/** A piece of a caption or name; `match` pieces are what the query found. */
export interface Highlight {
  text: string
  match: boolean
}

export interface WordResult extends WordHit {
  /** The caption split into matched and unmatched pieces (empty when no caption). */
  captionHighlights: Highlight[]
  /** A short snippet of the file and folder names when they matched. */
  nameHighlights: Highlight[] | null
}

// BM25 column weights: caption, names, exif. A word in the caption says more
// about the photo than the same word in a folder name.
const WEIGHTS = '1.0, 0.6, 0.4'
const OPEN = '\u0002'
const CLOSE = '\u0003'

export function splitHighlights(s: string): Highlight[] {
  const out: Highlight[] = []
  const re = /\u0002([^\u0003]*)\u0003/gu
  let last = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(s)) !== null) {
    if (m.index > last) out.push({ text: s.slice(last, m.index), match: false })
    out.push({ text: m[1]!, match: true })
    last = re.lastIndex
  }
  if (last < s.length) out.push({ text: s.slice(last), match: false })
  return out
}

export function wordSearch(db: LibraryDb, query: string, options: { limit: number; filters?: SearchFilters }): WordResult[] {
  const compiled = compileQuery(parseQuery(query))
  if (compiled.all === null) return []
  const filter = filterCondition(options.filters)
  const sql = `SELECT photo_fts.rowid AS id, bm25(photo_fts, ${WEIGHTS}) AS rank,
      highlight(photo_fts, 0, char(2), char(3)) AS caption_hl,
      snippet(photo_fts, 1, char(2), char(3), '…', 12) AS names_hl
    FROM photo_fts JOIN photos ph ON ph.id = photo_fts.rowid LEFT JOIN captions c ON c.id = ph.caption_id
    WHERE photo_fts MATCH ? ${filter.sql ? 'AND ' + filter.sql : ''}
    ORDER BY rank, id LIMIT ?`
  const stmt = db.stmt(sql)
  const seen = new Set<number>()
  const out: WordResult[] = []
  const tiers = [compiled.all, compiled.any]
  for (let tier = 0; tier < tiers.length && out.length < options.limit; tier++) {
    const expr = tiers[tier]
    if (!expr) continue
    const rows = stmt.all(expr, ...filter.args, options.limit + seen.size) as { id: number; rank: number; caption_hl: string; names_hl: string }[]
    for (const r of rows) {
      if (seen.has(r.id) || out.length >= options.limit) continue
      seen.add(r.id)
      out.push({
        id: r.id,
        bm25: r.rank,
        tier,
        captionHighlights: splitHighlights(r.caption_hl),
        nameHighlights: r.names_hl.includes(OPEN) && r.names_hl.includes(CLOSE) ? splitHighlights(r.names_hl) : null,
      })
    }
  }
  return out
}
