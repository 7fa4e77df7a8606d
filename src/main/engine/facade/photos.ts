// Reading photos: lists, counts, details, and the files to show them from
// (thumbnail, screen-sized preview, original).
import fsSync from 'node:fs'
import path from 'node:path'
import { makePreview, previewPath, previewSize, thumbnailPath, type ThumbnailSize } from '../library/images.ts'
import type { LibraryStore } from '../library/store.ts'
import type { PhotoDetail, PhotoQuery, PhotoStatus, PhotoSummary } from '../types.ts'

export interface PhotosFacade {
  list(query?: PhotoQuery): PhotoSummary[]
  count(status?: PhotoStatus | 'missing'): number
  get(id: number): PhotoDetail | null
  /** Id of the photo a file belongs to, by absolute path. */
  idByPath(absPath: string): number | null
  /** Cached thumbnail file, or null while not made yet. */
  thumbnailPath(id: number, size: ThumbnailSize): string | null
  /**
   * The photo view's 960 px preview, made from the original the first time
   * it is asked for ([Note: thumbnail and preview] in library/images.ts); the
   * thumbnail when the original is away or cannot be decoded; null before
   * the photo has a thumbnail. `width`: the long side the screen needs,
   * served at a size bucket ([Note: screen-sized previews]).
   */
  preview(id: number, width?: number): Promise<string | null>
  /** A present original, for a full-size preview (read it, never write it). */
  originalPath(id: number): string | null
}

export interface PhotosDeps {
  store: LibraryStore
  /** Thumbnail and preview cache. */
  cacheDir: string
  /** The caption model whose captions are not stale. */
  captionModelId: () => string | null
}

export function createPhotos({ store, cacheDir, captionModelId }: PhotosDeps): PhotosFacade {
  const previewsInFlight = new Map<string, Promise<void>>()
  return {
    list: (query = {}) => store.listPhotos(query, captionModelId()),
    count: (status) => (status === 'missing' ? store.countMissing() : store.countPhotos(status)),
    get: (id) => store.getPhoto(id, captionModelId()),
    idByPath(absPath) {
      const abs = path.resolve(absPath)
      let real = abs
      try {
        real = fsSync.realpathSync(abs)
      } catch {
        // a missing file is still looked up by the path it had
      }
      return store.photoIdByPath(real) ?? store.photoIdByPath(abs)
    },
    thumbnailPath(id, size) {
      const key = store.thumbnailInfo(id)?.thumbKey
      return key ? thumbnailPath(cacheDir, key, size) : null
    },
    async preview(id, width) {
      const r = store.thumbnailInfo(id)
      if (!r?.thumbKey) return null
      const key = r.thumbKey
      const size = previewSize(width, r.width !== null && r.height !== null ? Math.max(r.width, r.height) : null)
      const large = previewPath(cacheDir, key, size)
      if (!fsSync.existsSync(large)) {
        const original = store.presentPath(id)
        if (original) {
          // Two views asking at once share one decode.
          const slot = `${key}-${size}`
          let making = previewsInFlight.get(slot)
          if (!making) {
            making = makePreview(original, cacheDir, key, size)
              .then(() => undefined)
              .finally(() => previewsInFlight.delete(slot))
            previewsInFlight.set(slot, making)
          }
          await making.catch(() => undefined)
        }
      }
      if (fsSync.existsSync(large)) return large
      // The default preview, made earlier, is better than the thumbnail while the original is away.
      const standard = thumbnailPath(cacheDir, key, 'large')
      if (fsSync.existsSync(standard)) return standard
      const small = thumbnailPath(cacheDir, key, 'small')
      return fsSync.existsSync(small) ? small : null
    },
    originalPath: (id) => store.presentPath(id),
  }
}
