// Switching the ML service (a new pack), and queueing what its models have not
// made yet.
import type { MlInfo, MlService } from '../../ml/service.ts'
import type { LibraryDb } from '../db/database.ts'
import type { JobQueue } from '../jobs/queue.ts'
import type { JobRunner } from '../jobs/runner.ts'
import type { SearchService } from '../search/search-service.ts'
import { writeInternal } from '../settings.ts'
import type { ActiveModel } from './active-model.ts'

export interface MlFacade {
  /** Switch the ML service (a new pack): marks other models' output stale and re-processes it. */
  use(service: MlService | null): Promise<void>
  info(): MlInfo | null
}

export interface ReconcileDeps {
  db: LibraryDb
  queue: JobQueue
  runner: JobRunner
  model: ActiveModel
}

/** Queue embeddings and captions the active model has not made yet (after a pack change or for old photos), and record its models. */
export function reconcile({ db, queue, runner, model }: ReconcileDeps): void {
  const ml = model.current
  if (!ml) return
  const { embeddingModelId, captionModelId } = ml.info
  db.tx(() => {
    queue.enqueueModelBacklog(embeddingModelId, captionModelId)
    writeInternal(db, 'models', JSON.stringify({ embeddingModelId, captionModelId }))
  })
  runner.poke()
}

export function createMl(deps: ReconcileDeps & { search: SearchService }): MlFacade {
  const { runner, model, search } = deps
  return {
    async use(service) {
      runner.abortCurrent()
      model.current = service ? { service, info: await service.info() } : null
      void search.useText(service)
      reconcile(deps)
      runner.poke()
    },
    info: () => model.current?.info ?? null,
  }
}
