// Captions: a person's own, restoring an earlier one, captioning again, accepting
// an automatic one in review, and the history.
import type { DecodeOptions } from '../../ml/service.ts'
import type { LibraryDb } from '../db/database.ts'
import { EngineError } from '../errors.ts'
import type { Emitter } from '../events.ts'
import type { LibraryStore } from '../library/store.ts'
import type { Caption, EngineEvents } from '../types.ts'
import type { LoadedModel } from './active-model.ts'

export interface CaptionsFacade {
  /** Write a `user` caption; it becomes current and nothing automatic replaces it. */
  set(photoId: number, text: string): Caption
  /** Make an earlier caption current again (e.g. the auto caption after a user edit). */
  restore(photoId: number, captionId: number): Caption
  /**
   * Caption the photo again now, from its stored embedding, with the library's
   * decoding settings overridden by `decoding`. The new automatic caption
   * becomes current unless the person wrote the current one ([Note: user
   * captions win]); it is in the history either way.
   */
  regenerate(photoId: number, decoding?: Partial<DecodeOptions>): Promise<Caption>
  /**
   * A person accepted the current automatic caption as right (review flow):
   * it is marked reviewed, never replaced automatically, and counts as an
   * approved caption. Returns it, or null when there is no automatic caption
   * to accept (none yet, or the person's own).
   */
  accept(photoId: number): Caption | null
  /**
   * Accept many at once (bulk accept of a selection), in one transaction: a
   * photo that is gone or has nothing automatic to accept is skipped. Returns
   * how many were accepted.
   */
  acceptMany(photoIds: readonly number[]): number
  history(photoId: number): Caption[]
}

export interface CaptionsDeps {
  db: LibraryDb
  store: LibraryStore
  events: Emitter<EngineEvents>
  /** The loaded ML service, or null. */
  model: () => LoadedModel | null
  /** The library's decoding settings. */
  decoding: () => DecodeOptions
}

export function createCaptions({ db, store, events, model, decoding: libraryDecoding }: CaptionsDeps): CaptionsFacade {
  return {
    set(photoId, text) {
      const clean = text.trim()
      if (clean === '') throw new EngineError('invalid_input', 'a caption cannot be empty')
      if (clean.length > 2000) throw new EngineError('invalid_input', `a caption is at most 2000 characters (got ${clean.length})`)
      const id = db.tx(() => {
        if (!store.photoExists(photoId)) throw new EngineError('not_found', `no photo with id ${photoId}`)
        return store.addCaption(photoId, clean, 'user', { makeCurrent: true })
      })
      const caption = store.caption(id)!
      events.emit('captions.changed', { photoId, caption })
      return caption
    },
    restore(photoId, captionId) {
      if (!store.setCurrentCaption(photoId, captionId)) throw new EngineError('not_found', `photo ${photoId} has no caption ${captionId}`)
      const caption = store.caption(captionId)!
      events.emit('captions.changed', { photoId, caption })
      return caption
    },
    async regenerate(photoId, decoding = {}) {
      const photo = store.photoKey(photoId)
      if (!photo) throw new EngineError('not_found', `no photo with id ${photoId}`)
      const ml = model()
      if (!ml) throw new EngineError('unavailable', 'no model is loaded yet')
      const { service, info } = ml
      const embedding = store.getEmbedding(photoId, info.embeddingModelId)
      if (!embedding)
        throw new EngineError('conflict', `${store.presentPath(photoId) ?? `photo ${photoId}`} has not been analysed by the current model yet; it is queued`)
      const options: DecodeOptions = { ...libraryDecoding(), ...decoding }
      const [result] = await service.captionEmbeddings([embedding], options)
      if (!result) throw new Error('the model returned no caption')
      // [Note: user captions win] asked for explicitly, the new automatic caption
      // becomes current only when the person has not written one (the interface
      // offers "Restore automatic caption" in that case).
      const current = store.photoKey(photoId)
      if (!current) throw new EngineError('not_found', `photo ${photoId} was removed while it was being captioned`)
      const makeCurrent = current.captionProvenance !== 'user'
      const id = db.tx(() => {
        const captionId = store.addCaption(photoId, result.caption, 'auto', { modelId: info.captionModelId, decoding: options, makeCurrent })
        if (makeCurrent) store.advance(photoId, 'captioned')
        return captionId
      })
      const caption = store.caption(id)!
      if (makeCurrent) events.emit('captions.changed', { photoId, caption })
      else events.emit('photos.changed', { ids: [photoId] })
      return caption
    },
    accept(photoId) {
      if (!store.photoExists(photoId)) throw new EngineError('not_found', `no photo with id ${photoId}`)
      if (!store.markReviewed(photoId)) return null
      const caption = store.captionHistory(photoId).find((c) => c.current) ?? null
      if (caption) events.emit('captions.changed', { photoId, caption })
      return caption
    },
    acceptMany(photoIds) {
      const accepted = db.tx(() => photoIds.filter((id) => store.photoExists(id) && store.markReviewed(id)))
      // Announced after the commit, as every other change is.
      for (const photoId of accepted) {
        const caption = store.captionHistory(photoId).find((c) => c.current)
        if (caption) events.emit('captions.changed', { photoId, caption })
      }
      return accepted.length
    },
    history: (photoId) => store.captionHistory(photoId),
  }
}
