// [Note: training process protocol]
// "Learn my style" runs in a child process, never in the process that serves the
// interface: training is seconds-to-minutes of CPU/GPU work that would
// stall the HTTP bridge or Electron's main process. Messages are validated with
// zod on both sides (the child is a trust boundary like the ML worker, see
// [Note: ML worker protocol]). The child speaks process.send /
// process.on('message') only, so Electron can run it as a utilityProcess by
// mapping parentPort onto those (as src/main/electron/ml-worker-entry.ts does).
//   parent -> child: start (once: database path + options), stop (cancel/pause:
//                    the run ends at the next step boundary, its checkpoint kept)
//   child -> parent: started (pid), provider (the execution provider the run uses),
//                    progress (per step), done (version) | error, log
// The child opens its own connection to the library's WAL database; its writes
// (one INSERT of the version row, one UPDATE when it finishes or fails) are single
// autocommit statements, so they wait at most a short engine transaction
// (busy_timeout from openDatabase) and never hold the write lock while training.
import { z } from 'zod'
import { ProviderRequestSchema } from '../../../shared/ml-options.ts'

export const trainingChildOptionsSchema = z.object({
  dataDir: z.string(),
  basePack: z.string(),
  name: z.string().optional(),
  init: z.enum(['pack', 'scratch']).optional(),
  mapping: z.enum(['mlp', 'transformer']).optional(),
  prefixLength: z.number().int().positive().optional(),
  tuneGpt2: z.boolean().optional(),
  epochs: z.number().int().positive().optional(),
  steps: z.number().int().positive().optional(),
  weightDecay: z.number().nonnegative().optional(),
  batchSize: z.number().int().positive().optional(),
  lr: z.number().positive().optional(),
  warmup: z.number().int().nonnegative().optional(),
  seed: z.number().int().optional(),
  validationFraction: z.number().min(0).max(1).optional(),
  minTrain: z.number().int().nonnegative().optional(),
  minValidation: z.number().int().positive().optional(),
  checkpointEvery: z.number().int().positive().optional(),
  provider: ProviderRequestSchema.optional(),
})
export type TrainingChildOptions = z.infer<typeof trainingChildOptionsSchema>

export const toTrainingChildSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), dbPath: z.string(), options: trainingChildOptionsSchema }),
  z.object({ type: z.literal('stop') }),
])
export type ToTrainingChild = z.infer<typeof toTrainingChildSchema>

const finite = z.number().refine(Number.isFinite, 'not a finite number')

export const trainingProgressSchema = z.object({
  step: z.number().int().nonnegative(),
  steps: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  loss: finite,
  lr: finite,
  samples_per_s: finite,
  etaSeconds: finite,
})
export type TrainingProgressMessage = z.infer<typeof trainingProgressSchema>

export const trainedVersionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  state: z.enum(['training', 'ready', 'failed']),
  packDir: z.string(),
  metrics: z.record(z.string(), z.unknown()).nullable(),
})

export const fromTrainingChildSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), pid: z.number().int() }),
  z.object({ type: z.literal('progress'), progress: trainingProgressSchema }),
  z.object({ type: z.literal('provider'), provider: z.string(), fallbackReason: z.string().nullable() }),
  z.object({ type: z.literal('done'), version: trainedVersionSchema }),
  z.object({ type: z.literal('error'), name: z.string(), message: z.string(), cancelled: z.boolean() }),
  z.object({ type: z.literal('log'), text: z.string() }),
])
export type FromTrainingChild = z.infer<typeof fromTrainingChildSchema>
