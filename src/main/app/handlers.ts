// The handlers behind the API table: each method of src/shared/api.ts mapped to
// the engine facade (and the ML, search, export and training services). Inputs
// arrive parsed by the dispatcher; outputs are checked by it on the way out.
// Errors a person can act on are ApiErrors with a code; the rest become
// `internal` with their message.
//
// This is the composition root: it makes the two long-lived services the slices
// share (training runs, pack downloads) and spreads one slice per API prefix,
// each in handlers/<domain>.ts. The compiler checks that together they cover
// the whole table.
import type { MethodOutput } from '../../shared/api.ts'
import type { Activity } from '../../shared/types.ts'
import { createTrainingRuns } from '../engine/training/training-runs.ts'
import type { MlService } from '../ml/service.ts'
import type { Handlers } from './dispatcher.ts'
import { appHandlers } from './handlers/app.ts'
import { captionHandlers } from './handlers/captions.ts'
import type { HandlerDeps } from './handlers/common.ts'
import { exportHandlers } from './handlers/export.ts'
import { folderHandlers } from './handlers/folders.ts'
import { activityOf, jobHandlers } from './handlers/jobs.ts'
import { modelHandlers, modelsInfoOf } from './handlers/models.ts'
import { photoHandlers } from './handlers/photos.ts'
import { rootHandlers } from './handlers/roots.ts'
import { searchHandlers } from './handlers/search.ts'
import { settingsHandlers } from './handlers/settings.ts'
import { trainingHandlers } from './handlers/training.ts'
import { createPackInstalls } from './pack-installs.ts'

export type { HandlerDeps } from './handlers/common.ts'
export { toSummary, wireCaption } from './handlers/common.ts'

export function createHandlers(deps: HandlerDeps) {
  const { engine } = deps

  const installs = createPackInstalls({ dataDir: deps.dataDir, onChange: () => void modelsInfo().then((m) => deps.events.emit('models.progressed', m)) })
  const training = createTrainingRuns({
    engine,
    dataDir: deps.dataDir,
    onChange: (info) => deps.events.emit('training.progressed', info),
    reloadMl: deps.reloadMl,
    ...(deps.launchTraining ? { launch: deps.launchTraining } : {}),
    // "Keep learning from my corrections" looks once a minute (it does nothing while off, the default).
    continuousEveryMs: deps.continuousEveryMs ?? 60_000,
  })
  const activity = (): Activity => activityOf(engine, training)
  const modelsInfo = (): Promise<MethodOutput<'models.info'>> => modelsInfoOf(deps, installs)

  const table: Handlers = {
    ...appHandlers(deps),
    ...rootHandlers(deps),
    ...folderHandlers(deps),
    ...photoHandlers(deps),
    ...captionHandlers(deps),
    ...jobHandlers({ ...deps, training, installs, activity }),
    ...settingsHandlers(deps),
    ...modelHandlers({ ...deps, installs, modelsInfo }),
    ...searchHandlers(deps),
    ...exportHandlers(deps),
    ...trainingHandlers(training),
  }

  return {
    table,
    activity,
    close: () => {
      training.close()
      installs.cancel()
    },
    modelsInfo,
    /** A new ML service: search gets its text tower from it, loading at once. */
    onMlChanged(ml: MlService): void {
      void engine.search.useText(ml).catch(() => undefined)
    },
  }
}
