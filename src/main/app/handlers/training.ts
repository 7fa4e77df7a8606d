// training.*: learning the person's style from their corrections (one run at a time, its versions, continuous learning).
import { ok, type HandlerSlice, type TrainingRuns } from './common.ts'

export function trainingHandlers(training: TrainingRuns): HandlerSlice<'training'> {
  return {
    'training.info': () => training.info(),
    'training.start': (options) => training.start(options),
    'training.pause': () => (training.pause(), ok),
    'training.resume': () => (training.resume(), ok),
    'training.cancel': () => (training.cancel(), ok),
    'training.activate': async ({ versionId }) => (await training.activate(versionId), ok),
    'training.continuous': (s) => (training.setContinuous(s), ok),
  }
}
