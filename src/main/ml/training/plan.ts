// One place that decides how a training run is set up, for every front door:
// `photocap train`, the library's "Learn my style" and the API all call
// planTraining(pack, request) and run what it returns. Pure: no I/O, no clock.
//
// [Note: defaults for personal data] The settings a request leaves out were
// chosen by the style-transfer experiment (style-experiment.ts, `npm run bench
// -- learn-style`, README "How the training defaults were chosen"), not taken
// from the paper: the paper's lr 2e-5, batch 40 and 10 epochs are for 600k COCO
// captions, where an epoch is 15,000 steps. With 20–500 personal captions an
// epoch is 1–30 steps, so "10 epochs" is 10–300 steps and a small learning rate
// never moves the model (the reported symptom: 22 captions, 3 epochs, captions
// identical before and after). So the plan counts optimizer STEPS: enough for
// every caption to be seen many times at small data, growing slowly with more.
import type { Gpt2Config, MappingConfig } from '../models/config.ts'
import type { TrainOptions } from './train-run.ts'

export interface TrainingRequest {
  /** Captions the run learns from (after any held-out split). */
  captions: number
  init?: 'pack' | 'scratch'
  mapping?: MappingConfig['type']
  prefixLength?: number
  tuneGpt2?: boolean
  /** Epochs (passes over the captions); `steps` wins when both are given. */
  epochs?: number
  steps?: number
  batchSize?: number
  lr?: number
  warmup?: number
  weightDecay?: number
  seed?: number
  shuffle?: boolean
}

/** What a plan needs to know about the pack it starts from. */
export interface PlanPack {
  mapping: MappingConfig
  gpt2: Pick<Gpt2Config, 'nEmbd'>
  mappingWeights: unknown
}

export interface TrainingPlan {
  init: 'pack' | 'scratch'
  /** What runTraining takes, less the caller's part (initialMapping: the pack's weights when init is 'pack'; provider, threads, callbacks). */
  run: Pick<TrainOptions, 'mapping' | 'tuneGpt2' | 'batchSize' | 'steps' | 'lr' | 'warmup' | 'weightDecay' | 'seed' | 'shuffle'>
  stepsPerEpoch: number
  /** Passes over the captions the steps amount to (may be fractional when steps were given). */
  epochs: number
  /** One line per default that was filled in, saying why (shown by the CLI's --plan and kept with a version). */
  why: string[]
}

/** The defaults for personal data (see [Note: defaults for personal data]). */
export const PLAN_DEFAULTS = {
  /** Fine-tuning a pack's mapping: large enough to move it within ~60 steps, small enough to keep its content (bench learn-style). */
  lrPack: 3e-3,
  /** A mapping learnt from nothing (not part of the experiment: the earlier library default, kept). */
  lrScratch: 1e-3,
  batchSize: 8,
  /** Passes over the captions, with at least minSteps and at most maxSteps optimizer steps. */
  epochs: 12,
  minSteps: 60,
  maxSteps: 2000,
  /** Warm-up as a share of the steps. */
  warmupShare: 0.1,
  weightDecay: 0,
  seed: 0,
  prefixLength: 10,
  numLayers: 8,
  /** At least this many captions to learn from, and this many held out to check the result. */
  minTrain: 16,
  minValidation: 4,
  /** Above this many captions the data is no longer "personal": the paper's own settings apply. */
  personalMax: 1000,
} as const

/** The paper's train.py settings, for datasets the size it was made for (COCO: 600k captions). */
export const PAPER_DEFAULTS = { lr: 2e-5, batchSize: 40, epochs: 10, warmup: 5000 } as const

/** Why a run needs at least minTrain + minValidation captions, in words a person reads before training. */
export const MINIMUM_REASON = `${PLAN_DEFAULTS.minTrain} to learn from (two batches of ${PLAN_DEFAULTS.batchSize}) and ${PLAN_DEFAULTS.minValidation} kept aside to check that the new model writes like you on photos it never saw`

/** Default optimizer steps for personal data: `epochs` passes, at least minSteps (20 captions would otherwise get 24 steps, too few to learn a style). */
export function stepsFor(captions: number, batchSize: number): number {
  const spe = Math.max(1, Math.floor(captions / batchSize))
  return Math.min(PLAN_DEFAULTS.maxSteps, Math.max(PLAN_DEFAULTS.minSteps, spe * PLAN_DEFAULTS.epochs))
}

function derivedMapping(pack: PlanPack, type: MappingConfig['type'], prefixLength: number): MappingConfig {
  return {
    type,
    prefixLength,
    clipLength: type === 'transformer' ? prefixLength : 0,
    numLayers: type === 'transformer' ? PLAN_DEFAULTS.numLayers : 0,
    clipDim: pack.mapping.clipDim,
    prefixDim: pack.gpt2.nEmbd,
    normalizePrefix: type === pack.mapping.type ? pack.mapping.normalizePrefix : type === 'transformer',
    mlpHiddenDim: type === 'mlp' ? Math.floor((pack.gpt2.nEmbd * prefixLength) / 2) : 0,
    numHeads: 8,
    mlpRatio: 2,
  }
}

const positiveInt = (name: string, v: number | undefined, min = 1): void => {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new Error(`${name} must be an integer >= ${min}, got ${v}`)
}

export function planTraining(pack: PlanPack, req: TrainingRequest): TrainingPlan {
  positiveInt('captions', req.captions, 0)
  positiveInt('steps', req.steps)
  positiveInt('epochs', req.epochs)
  positiveInt('batch size', req.batchSize)
  positiveInt('prefix length', req.prefixLength)
  positiveInt('warm-up', req.warmup, 0)
  positiveInt('seed', req.seed, 0)
  for (const [name, v] of [
    ['learning rate', req.lr],
    ['weight decay', req.weightDecay],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`${name} must be a number >= 0, got ${v}`)
  }
  const D = PLAN_DEFAULTS
  const why: string[] = []
  const type = req.mapping ?? pack.mapping.type
  const sameArch = type === pack.mapping.type && (req.prefixLength === undefined || req.prefixLength === pack.mapping.prefixLength)
  const init = req.init ?? (sameArch && pack.mappingWeights ? 'pack' : 'scratch')
  if (req.init === undefined)
    why.push(
      init === 'pack'
        ? "init pack: fine-tune the pack's mapping (it already captions)"
        : `init scratch: the pack has no ${type} mapping${sameArch ? ' weights' : ` with prefix ${req.prefixLength ?? pack.mapping.prefixLength}`} to start from`,
    )
  if (init === 'pack' && !sameArch)
    throw new Error(
      `starting from the pack's mapping needs its architecture (${pack.mapping.type}, prefix ${pack.mapping.prefixLength}); start from scratch for a ${type} mapping with prefix ${req.prefixLength ?? pack.mapping.prefixLength}`,
    )
  if (init === 'pack' && !pack.mappingWeights) throw new Error('the pack has no mapping weights to start from; start from scratch')
  const mapping = sameArch ? pack.mapping : derivedMapping(pack, type, req.prefixLength ?? D.prefixLength)

  const personal = req.captions <= D.personalMax
  const batchSize = req.batchSize ?? Math.max(1, Math.min(personal ? D.batchSize : PAPER_DEFAULTS.batchSize, req.captions))
  if (req.batchSize === undefined)
    why.push(personal ? `batch size ${batchSize}: small batches give a few dozen captions more optimizer steps` : `batch size ${batchSize}: the paper's`)
  const spe = Math.floor(req.captions / batchSize)
  if (spe < 1) throw new Error(`too little data: ${req.captions} captions cannot fill one batch of ${batchSize}`)
  const steps = req.steps ?? (req.epochs !== undefined ? spe * req.epochs : personal ? stepsFor(req.captions, batchSize) : spe * PAPER_DEFAULTS.epochs)
  if (req.steps === undefined && req.epochs === undefined)
    why.push(
      `${steps} steps (${(steps / spe).toFixed(1)} passes over ${req.captions} captions)${personal ? ': enough to learn a style, few enough to keep what the model knew' : ": the paper's 10 epochs"}`,
    )
  const lr = req.lr ?? (!personal ? PAPER_DEFAULTS.lr : init === 'pack' ? D.lrPack : D.lrScratch)
  if (req.lr === undefined) why.push(`learning rate ${lr}: ${!personal ? "the paper's" : init === 'pack' ? 'fine-tuning on personal data' : 'from scratch'}`)
  const warmup = req.warmup ?? (personal ? Math.floor(steps * D.warmupShare) : Math.min(PAPER_DEFAULTS.warmup, Math.floor(steps * D.warmupShare)))
  if (req.warmup === undefined) why.push(`warm-up ${warmup} steps`)
  const tuneGpt2 = req.tuneGpt2 ?? false
  if (req.tuneGpt2 === undefined) why.push('GPT-2 frozen: the mapping alone learns a style from a few dozen captions, at a fraction of the memory')
  return {
    init,
    run: {
      mapping,
      tuneGpt2,
      batchSize,
      steps,
      lr,
      warmup,
      weightDecay: req.weightDecay ?? D.weightDecay,
      seed: req.seed ?? D.seed,
      shuffle: req.shuffle ?? true,
    },
    stepsPerEpoch: spe,
    epochs: steps / spe,
    why,
  }
}
