// Search by words and by meaning, and "more like this": the runner that ties the
// FTS index, the vector index, the text tower and the fusion together.
//
// [Note: words first, meaning when ready]
// Loading CLIP's text tower takes a while after start, and a person typing in
// the Search field should not wait for it. `warmUp()` starts loading the tower
// at once (`useText` calls it: the engine when it gets an ML service, the CLI's
// search commands when they load the text tower). `search()` answers with the word
// results synchronously and returns a promise of the fused result, which
// resolves as soon as the query's text embedding exists; the CLI simply awaits
// the promise, the interface shows the first list and replaces it.
import { similarPhotos } from './similar-rule.ts'
import type { LibraryDb } from '../db/database.ts'
import type { MlService } from '../../ml/service.ts'
import type { Provenance } from '../types.ts'
import { referenceRank, relevanceCutoff, type CutoffOptions } from './cutoff.ts'
import { compileFilter, isEmptyFilter, type PhotoFilter } from '../views/photo-filter.ts'
import { fuse, type FusedHit, type FusionOptions, type Source } from './fusion.ts'
import { LibraryVectors } from './library-vectors.ts'
import type { VectorEncoding, VectorHit } from './vector-index.ts'
import { wordSearch, type Highlight, type WordResult } from './word-search.ts'
import path from 'node:path'

export type TextEncoder = Pick<MlService, 'info' | 'embedTexts'>

export interface SearchOptions {
  /** Most results to return; default 50. */
  limit?: number
  /** The same filter as the grid's ([Note: one filter meaning]). */
  filters?: PhotoFilter | undefined
  cutoff?: Partial<CutoffOptions>
  fusion?: Partial<FusionOptions>
}

export interface SearchItem {
  photoId: number
  /** A present file of the photo (absolute), or its first known path when none is present. */
  path: string | null
  caption: string | null
  provenance: Provenance | null
  /** Fused score in (0, 1]; 1 = first in every list that found it. */
  score: number
  source: Source
  /** Cosine with the query's text embedding (or the photo's, for similar), when meaning found it. */
  meaningScore: number | null
  /** The caption in matched/unmatched pieces, when words found it. */
  captionHighlights: Highlight[] | null
  nameHighlights: Highlight[] | null
}

export type MeaningState = 'included' | 'pending' | 'unavailable'

export interface SearchResponse {
  query: string
  items: SearchItem[]
  /** Whether meaning results are part of `items`. */
  meaning: MeaningState
  /** Why meaning search could not take part (no model, no embeddings, model mismatch, error). */
  meaningNote: string | null
  /** Embedding model whose vectors were searched. */
  modelId: string | null
}

export interface SearchRun {
  /** Word results, available at once. */
  words: SearchResponse
  /** Words and meaning fused; resolves to the word results with a note if meaning is unavailable. */
  complete: Promise<SearchResponse>
}

export interface SearchServiceOptions {
  /** The CLIP text tower (the ML service), or a promise of it while it starts; null: words only. */
  text?: TextEncoder | Promise<TextEncoder> | null
  /** Storage form of the in-memory vectors; default 'auto' (float32, int8 above 50k photos). */
  encoding?: VectorEncoding | 'auto'
  /** The active embedding model; default: the model id the ML service reports, else the newest in the database. */
  embeddingModelId?: () => string | null
  /** Where `db` is a read-only handle: the writer that trims the embedding log the vector index follows. */
  writer?: LibraryDb
}

const QUERY_CACHE = 256

interface TextState {
  encoder: TextEncoder
  modelId: string
}

export class SearchService {
  private readonly vectors: LibraryVectors
  private text: Promise<TextState> | null = null
  private textReady: TextState | null = null
  private textError: string | null = null
  private readonly queryCache = new Map<string, Float32Array>()
  private generation = 0

  constructor(
    private readonly db: LibraryDb,
    private readonly options: SearchServiceOptions = {},
  ) {
    this.vectors = new LibraryVectors(db, {
      ...(options.encoding ? { encoding: options.encoding } : {}),
      ...(options.writer ? { writer: options.writer } : {}),
    })
  }

  /** Start loading the text tower now; resolves when a query can be embedded. */
  warmUp(): Promise<void> {
    if (!this.text) {
      const source = this.options.text
      if (!source) {
        this.textError = 'no model is loaded (words only)'
        this.text = Promise.reject(new Error(this.textError))
      } else {
        const generation = this.generation
        this.text = (async () => {
          const encoder = await source
          const info = await encoder.info()
          // One tiny query makes the service create its text session now, not at the first search.
          await encoder.embedTexts(['a photo'])
          const state = { encoder, modelId: info.embeddingModelId }
          // build the vector index now too, so the first query pays for neither
          const active = this.activeModelId(state.modelId)
          if (active) await this.vectors.syncAsync(active)
          // a tower swapped out (useText) while this one loaded must not come back
          if (generation === this.generation) this.textReady = state
          return state
        })()
        this.text.catch((error: unknown) => {
          if (generation === this.generation) this.textError = `the text model could not be loaded: ${error instanceof Error ? error.message : String(error)}`
        })
      }
      this.text.catch(() => undefined)
    }
    return this.text.then(() => undefined)
  }

  /**
   * Swap the text tower (the engine's ML service changed: a new pack). The next
   * query embeds with the new model and the vector index rebuilds for its
   * embedding model id ([Note: vector index sync]).
   */
  useText(text: TextEncoder | Promise<TextEncoder> | null): Promise<void> {
    this.options.text = text
    this.generation++
    this.text = null
    this.textReady = null
    this.textError = null
    this.queryCache.clear()
    return this.warmUp().catch(() => undefined)
  }

  /** True once a query can be embedded without waiting. */
  get meaningReady(): boolean {
    return this.textReady !== null
  }

  search(query: string, options: SearchOptions = {}): SearchRun {
    const limit = options.limit ?? 50
    const words = wordSearch(this.db, query, { limit, ...(options.filters ? { filters: options.filters } : {}) })
    const wordsOnly = (meaning: MeaningState, note: string | null): SearchResponse => ({
      query,
      items: this.hydrate(fuse(words, [], options.fusion).slice(0, limit), words),
      meaning,
      meaningNote: note,
      modelId: null,
    })
    void this.warmUp().catch(() => undefined)
    const complete = (async (): Promise<SearchResponse> => {
      let state: TextState
      try {
        state = await this.text!
      } catch {
        return wordsOnly('unavailable', this.textError)
      }
      if (!/[\p{L}\p{N}]/u.test(query)) return wordsOnly('unavailable', 'nothing to search for')
      const modelId = this.activeModelId(state.modelId)
      if (modelId !== state.modelId)
        return wordsOnly('unavailable', `the library's embeddings are from model ${modelId}, the loaded text model is ${state.modelId}`)
      let vector: Float32Array | undefined
      try {
        vector = await this.embedQuery(state, query)
      } catch (error) {
        // a crashed or closed ML worker must not take word search down with it
        return wordsOnly('unavailable', `the text model failed: ${error instanceof Error ? error.message : String(error)}`)
      }
      const index = await this.vectors.syncAsync(modelId)
      if (!index) return wordsOnly('unavailable', `no photo has an embedding from model ${modelId} yet`)
      if (!vector) return wordsOnly('unavailable', 'the text model returned no embedding')
      const meaning = this.meaningHits(index, vector, limit, options)
      const fused = fuse(words, meaning, options.fusion).slice(0, limit)
      return { query, items: this.hydrate(fused, words), meaning: 'included', meaningNote: null, modelId }
    })()
    return { words: wordsOnly(this.textReady ? 'pending' : this.textError ? 'unavailable' : 'pending', this.textError), complete }
  }

  /** Photos that look like `photoId`, best first; the photo itself comes first (the reference; the API leaves it out). */
  similar(photoId: number, options: SearchOptions = {}): SearchResponse {
    const limit = options.limit ?? 50
    const modelId = this.activeModelId(this.textReady?.modelId ?? null)
    const vector = modelId ? this.vectors.exactVector(photoId, modelId) : null
    if (!modelId || !vector) {
      throw new Error(`photo ${photoId} has no embedding${modelId ? ` from model ${modelId}` : ''} yet: it must be embedded before "more like this" can use it`)
    }
    const index = this.vectors.sync(modelId)
    if (!index) throw new Error(`no photo has an embedding from model ${modelId} yet`)
    // [similar-rule.ts] near-duplicates always, then what is more alike than average; not the text queries' cut-off.
    const allowed = isEmptyFilter(options.filters) ? null : this.allowedIds(options.filters)
    const found = index.search(vector, { k: Math.max(limit, 10) * 2 + 20, allowed, exclude: [photoId], background: referenceRank(index.size) })
    const hits = similarPhotos(found.hits, found.background.stats).slice(0, limit)
    const own = { id: photoId, score: 1 }
    const ranked = [own, ...hits.filter((h) => h.id !== photoId)].slice(0, limit)
    const fused: FusedHit[] = ranked.map((h) => ({ id: h.id, score: h.score, source: 'meaning', wordRank: null, meaningRank: null, meaningScore: h.score }))
    return { query: '', items: this.hydrate(fused, []), meaning: 'included', meaningNote: null, modelId }
  }

  /**
   * The query's text embedding, remembered for the last QUERY_CACHE queries:
   * the interface asks again with the same text when a filter changes or while
   * meaning results are pending, and the tower is the slowest part of a query.
   */
  private async embedQuery(state: TextState, query: string): Promise<Float32Array | undefined> {
    const key = `${state.modelId}\u0000${query}`
    const hit = this.queryCache.get(key)
    if (hit) {
      this.queryCache.delete(key)
      this.queryCache.set(key, hit)
      return hit
    }
    const [vector] = await state.encoder.embedTexts([query])
    if (vector) {
      this.queryCache.set(key, vector)
      if (this.queryCache.size > QUERY_CACHE) this.queryCache.delete(this.queryCache.keys().next().value!)
    }
    return vector
  }

  private activeModelId(loaded: string | null): string | null {
    return this.options.embeddingModelId?.() ?? loaded ?? this.vectors.latestModelId()
  }

  private meaningHits(
    index: NonNullable<ReturnType<LibraryVectors['sync']>>,
    vector: Float32Array,
    limit: number,
    options: SearchOptions,
    exclude?: number,
  ): VectorHit[] {
    const allowed = isEmptyFilter(options.filters) ? null : this.allowedIds(options.filters)
    const want = Math.max(limit, 10) * 2 + 20
    const { hits, background } = index.search(vector, {
      k: want,
      allowed,
      background: referenceRank(index.size),
      ...(exclude !== undefined ? { exclude: [exclude] } : {}),
    })
    return relevanceCutoff(hits, background, options.cutoff).slice(0, limit)
  }

  private allowedIds(filters: PhotoFilter | undefined): number[] {
    const cond = compileFilter(filters)
    const rows = this.db.stmt(`SELECT ph.id FROM photos ph WHERE ${cond.sql}`).all(...cond.args) as { id: number }[]
    return rows.map((r) => r.id)
  }

  private hydrate(hits: FusedHit[], words: WordResult[]): SearchItem[] {
    const byId = new Map(words.map((w) => [w.id, w]))
    const photo = this.db.stmt(`SELECT c.text, c.provenance FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id WHERE ph.id = ?`)
    const file = this.db.stmt(
      `SELECT r.path AS root, p.rel_path AS rel FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ? ORDER BY p.present DESC, p.id LIMIT 1`,
    )
    const out: SearchItem[] = []
    for (const h of hits) {
      const row = photo.get(h.id) as { text: string | null; provenance: Provenance | null } | undefined
      if (!row) continue // deleted since the index saw it
      const f = file.get(h.id) as { root: string; rel: string } | undefined
      const w = byId.get(h.id)
      out.push({
        photoId: h.id,
        path: f ? path.join(f.root, ...f.rel.split('/')) : null,
        caption: row.text,
        provenance: row.provenance,
        score: h.score,
        source: h.source,
        meaningScore: h.meaningScore,
        captionHighlights: w ? w.captionHighlights : null,
        nameHighlights: w ? w.nameHighlights : null,
      })
    }
    return out
  }
}
