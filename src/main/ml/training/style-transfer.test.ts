// Proof of "Learn my style", the CI case of `npm run bench --
// learn-style`: a base model that captions the generated shapes in one
// template ("a red circle.") learns a person's style ("Photo of a circle in
// red.") from 40 of their captions, GPT-2 frozen, with planTraining's defaults;
// on 120 held-out images at least 80% read in the new style and at least 90%
// still name the right colour and shape. See [Note: the base model] in
// style-experiment.ts for why the base GPT-2 first learns the shapes language.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureTinyPack } from '../packs/tiny-pack.ts'
import { learnStyle, makeShapesWorld, scoreHeldOut, trainBase } from './style-experiment.ts'

describe('learn my style: the shapes world', () => {
  it('40 captions in a new style, GPT-2 frozen, default settings: >= 80% of held-out captions in the style, >= 90% with the content right', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'learn-style-'))
    const world = await makeShapesWorld(dir, ensureTinyPack({ dir: path.join(dir, 'tiny') }))
    const base = await trainBase(world)
    const before = await scoreHeldOut(world, base.packDir)
    expect(before.style).toBe(0) // the base model never writes the person's style…
    expect(before.content).toBeGreaterThanOrEqual(0.9) // …but already captions the content well

    const run = await learnStyle(world, base, 40, { tuneGpt2: false })
    expect(run.plan.run.tuneGpt2).toBe(false)
    expect(run.plan.run.steps).toBeGreaterThan(0)
    expect(run.final.style, JSON.stringify(run.final.examples)).toBeGreaterThanOrEqual(0.8)
    expect(run.final.content, JSON.stringify(run.final.examples)).toBeGreaterThanOrEqual(0.9)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 900_000)
})
