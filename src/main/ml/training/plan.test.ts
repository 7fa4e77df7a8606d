// planTraining: the one place the CLI, the library trainer and the API get a
// run's settings from. Pure; the defaults are the learn-style experiment's.
import { describe, expect, it } from 'vitest'
import type { MappingConfig } from '../models/config.ts'
import { PAPER_DEFAULTS, PLAN_DEFAULTS, planTraining, stepsFor } from './plan.ts'

const mlp: MappingConfig = {
  type: 'mlp',
  prefixLength: 10,
  clipLength: 0,
  numLayers: 0,
  clipDim: 512,
  prefixDim: 768,
  normalizePrefix: false,
  mlpHiddenDim: 3840,
  numHeads: 8,
  mlpRatio: 2,
}
const pack = { mapping: mlp, gpt2: { nEmbd: 768 }, mappingWeights: new Map() }

describe('planTraining', () => {
  it('personal data: fine-tune the pack, batch 8, 12 passes (at least 60 steps), lr 3e-3, 10% warm-up, GPT-2 frozen', () => {
    const p = planTraining(pack, { captions: 36 })
    expect(p.init).toBe('pack')
    expect(p.run).toEqual({
      mapping: mlp,
      tuneGpt2: false,
      batchSize: 8,
      steps: 60,
      lr: PLAN_DEFAULTS.lrPack,
      warmup: 6,
      weightDecay: 0,
      seed: 0,
      shuffle: true,
    })
    expect(p.stepsPerEpoch).toBe(4)
    expect(p.why.join('\n')).toMatch(/GPT-2 frozen/)
    expect(planTraining(pack, { captions: 400 }).run.steps).toBe(600) // 50 batches × 12
    expect(stepsFor(20, 8)).toBe(60)
    expect(stepsFor(100_000, 8)).toBe(PLAN_DEFAULTS.maxSteps)
  })

  it("large datasets get the paper's settings; given options always win", () => {
    const big = planTraining(pack, { captions: 20_000 })
    expect(big.run).toMatchObject({ batchSize: PAPER_DEFAULTS.batchSize, steps: 500 * 10, lr: PAPER_DEFAULTS.lr, warmup: 500 })
    const given = planTraining(pack, { captions: 36, epochs: 3, batchSize: 4, lr: 0.1, warmup: 0, tuneGpt2: true, seed: 9, shuffle: false })
    expect(given.run).toMatchObject({ batchSize: 4, steps: 27, lr: 0.1, warmup: 0, tuneGpt2: true, seed: 9, shuffle: false })
    expect(given.why).toEqual([expect.stringMatching(/^init pack/)])
    expect(planTraining(pack, { captions: 36, steps: 7, epochs: 3 }).run.steps).toBe(7)
  })

  it('one rule for a different mapping (the API passes prefixLength too): from scratch, derived config', () => {
    const p = planTraining(pack, { captions: 36, mapping: 'transformer', prefixLength: 20 })
    expect(p.init).toBe('scratch')
    expect(p.run.lr).toBe(PLAN_DEFAULTS.lrScratch)
    expect(p.run.mapping).toEqual({
      type: 'transformer',
      prefixLength: 20,
      clipLength: 20,
      numLayers: 8,
      clipDim: 512,
      prefixDim: 768,
      normalizePrefix: true,
      mlpHiddenDim: 0,
      numHeads: 8,
      mlpRatio: 2,
    })
    expect(planTraining({ ...pack, mappingWeights: null }, { captions: 36 }).init).toBe('scratch')
  })

  it('says what is wrong', () => {
    expect(() => planTraining(pack, { captions: 5 })).not.toThrow() // batch shrinks to the data
    expect(() => planTraining(pack, { captions: 5, batchSize: 8 })).toThrow(/too little data: 5 captions cannot fill one batch of 8/)
    expect(() => planTraining(pack, { captions: 36, init: 'pack', prefixLength: 20 })).toThrow(/needs its architecture \(mlp, prefix 10\)/)
    expect(() => planTraining({ ...pack, mappingWeights: null }, { captions: 36, init: 'pack' })).toThrow(/no mapping weights/)
    expect(() => planTraining(pack, { captions: 36, lr: -1 })).toThrow(/learning rate must be a number >= 0/)
    expect(() => planTraining(pack, { captions: 36, steps: 1.5 })).toThrow(/steps must be an integer >= 1/)
  })
})
