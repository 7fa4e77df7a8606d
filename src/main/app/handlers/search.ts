// search.*: words and meaning fused into hits (with the matched words marked), and photos like a given one.
import { ApiError } from '../../../shared/errors.ts'
import type { SearchHit } from '../../../shared/types.ts'
import type { SearchItem } from '../../engine/search/search-service.ts'
import type { Highlight } from '../../engine/search/word-search.ts'
import { need, pageSummary, type HandlerDeps, type HandlerSlice } from './common.ts'

const highlightSnippet = (parts: Highlight[] | null): string | null =>
  parts && parts.length > 0 ? parts.map((p) => (p.match ? `[[${p.text}]]` : p.text)).join('') : null

export function searchHandlers(deps: Pick<HandlerDeps, 'engine'>): HandlerSlice<'search'> {
  const { engine } = deps
  const search = engine.search
  const toHit = (item: SearchItem): SearchHit | null => {
    const p = engine.photos.get(item.photoId)
    if (!p) return null
    const source = item.source === 'words' || item.source === 'meaning' || item.source === 'both' ? item.source : 'both'
    return {
      photo: pageSummary(engine, p),
      score: item.score,
      source,
      snippet: highlightSnippet(item.captionHighlights) ?? highlightSnippet(item.nameHighlights),
    }
  }
  return {
    'search.query': async ({ text, filter, limit }) => {
      const run = search.search(text, { limit, filters: filter })
      // Word results at once while the text tower loads; fused results once it is ready.
      const res = search.meaningReady ? await run.complete : run.words
      return { hits: res.items.map(toHit).filter((h): h is SearchHit => h !== null), meaningPending: res.meaning === 'pending' }
    },
    'search.similar': ({ photoId, limit }) => {
      need(engine.photos.get(photoId), `no photo with id ${photoId}`)
      try {
        const res = search.similar(photoId, { limit })
        // The photo is the reference the view is about, not one of its results.
        const hits = res.items.map(toHit).filter((h): h is SearchHit => h !== null && h.photo.id !== photoId)
        return { hits: hits.map((h) => ({ ...h, source: 'similar' as const })), meaningPending: false }
      } catch (error) {
        throw new ApiError('conflict', error instanceof Error ? error.message : String(error))
      }
    },
  }
}
