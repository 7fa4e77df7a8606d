// captions.* and review.queue: writing, regenerating, accepting and restoring a photo's caption, and the photos still to review.
import { ApiError } from '../../../shared/errors.ts'
import { EngineError } from '../../engine/errors.ts'
import { defined, need, wireCaption, type HandlerDeps, type HandlerSlice } from './common.ts'

export function captionHandlers(deps: Pick<HandlerDeps, 'engine' | 'mlError'>): HandlerSlice<'captions' | 'review'> {
  const { engine } = deps
  return {
    'captions.set': ({ photoId, text }) => wireCaption(engine.captions.set(photoId, text)),
    'captions.regenerate': async ({ photoId, decoding }) => {
      try {
        return wireCaption(await engine.captions.regenerate(photoId, defined(decoding)))
      } catch (error) {
        // the engine knows no model is loaded; the backend knows why
        if (error instanceof EngineError && error.code === 'unavailable' && deps.mlError())
          throw new ApiError('unavailable', `${error.message}: ${deps.mlError()}`)
        throw error
      }
    },
    'captions.accept': ({ photoId }) => {
      const photo = need(engine.photos.get(photoId), `no photo with id ${photoId}`)
      const c = engine.captions.accept(photoId)
      // the engine announces the change (captions.changed, sent on as photos.changed)
      if (c) return wireCaption(c)
      // Nothing automatic to accept: the person's own caption is already theirs.
      const current = engine.captions.history(photoId).find((x) => x.current)
      if (current?.provenance === 'user') return wireCaption(current)
      throw new ApiError('conflict', `${photo.paths[0]?.path ?? `photo ${photoId}`} has no caption to accept yet`)
    },
    'captions.acceptMany': ({ photoIds }) => ({ accepted: engine.captions.acceptMany(photoIds) }),
    'review.queue': ({ filter }) => {
      const q = engine.views.reviewQueue(filter)
      return { ids: q.ids, reviewed: q.reviewed, total: q.reviewed + q.ids.length }
    },
    'captions.restore': ({ photoId }) => {
      need(engine.photos.get(photoId), `no photo with id ${photoId}`)
      const auto = engine.captions
        .history(photoId)
        .filter((c) => c.provenance === 'auto')
        .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)[0]
      if (!auto) throw new ApiError('conflict', `photo ${photoId} has no automatic caption to restore yet`)
      const c = engine.captions.restore(photoId, auto.id)
      return wireCaption(c)
    },
  }
}
