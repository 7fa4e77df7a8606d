// "Learn my style" on the generated shapes world: the grid of
// 20 / 40 / 80 of the person's captions × GPT-2 frozen / tuned × three
// settings — planTraining's defaults and two alternatives:
//   - `old_defaults`: the earlier library defaults (lr 1e-4, 10 epochs, batch
//     16), the settings of the report "22 captions, nothing changed";
//   - `longer`: the defaults run three times as many steps (does more help?).
// Per cell: the held-out share in the new style, with the content right, and
// both; training seconds (without the scoring); and the curve (the same shares
// every few steps during the run). The goal (CI test style-transfer.test.ts):
// 40 captions, GPT-2 frozen, defaults: >= 80% new style, >= 90% content right,
// within 3 minutes. The machine is shared: seconds are noisy, the load average
// is reported with every cell. `--quick`: 40 captions, defaults only.
import os from 'node:os'
import path from 'node:path'
import type { BenchContext } from './run.ts'
import { ensureTinyPack } from '../src/main/ml/packs/tiny-pack.ts'
import { PLAN_DEFAULTS } from '../src/main/ml/training/plan.ts'
import { learnStyle, makeShapesWorld, scoreHeldOut, trainBase } from '../src/main/ml/training/style-experiment.ts'
import type { TrainingRequest } from '../src/main/ml/training/plan.ts'

export const name = 'learn-style'

const round3 = (x: number) => Math.round(x * 1000) / 1000

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const dir = path.join(ctx.tmpDir, 'learn-style')
  const world = await makeShapesWorld(dir, ensureTinyPack({ dir: path.join(dir, 'tiny') }))
  ctx.log(`world: ${world.baseIdx.length} base images, ${world.userIdx.length} the person may caption, ${world.heldOutIdx.length} held out`)
  const t0 = performance.now()
  const base = await trainBase(world)
  const baseSeconds = (performance.now() - t0) / 1000
  const before = await scoreHeldOut(world, base.packDir)
  ctx.log(`base model: ${Math.round(before.content * 100)}% content right, ${Math.round(before.style * 100)}% in the new style (${baseSeconds.toFixed(0)} s)`)

  const settings: Record<string, (n: number) => Partial<TrainingRequest>> = {
    defaults: () => ({}),
    old_defaults: () => ({ lr: 1e-4, epochs: 10, batchSize: 16 }),
    longer: (n) => ({ steps: 3 * Math.max(PLAN_DEFAULTS.minSteps, Math.floor(n / PLAN_DEFAULTS.batchSize) * PLAN_DEFAULTS.epochs) }),
  }
  const counts = ctx.quick ? [40] : [20, 40, 80]
  const tunes = ctx.quick ? [false] : [false, true]
  const names = ctx.quick ? ['defaults'] : Object.keys(settings)
  const cells: Record<string, unknown>[] = []
  for (const setting of names) {
    for (const tuneGpt2 of tunes) {
      for (const n of counts) {
        const label = `${setting}-${n}-${tuneGpt2 ? 'tuned' : 'frozen'}`
        const overrides = settings[setting]!(n)
        const r = await learnStyle(world, base, n, { tuneGpt2, overrides, curvePoints: 3, label })
        const cell = {
          setting,
          captions: n,
          gpt2: tuneGpt2 ? 'tuned' : 'frozen',
          style: round3(r.final.style),
          content: round3(r.final.content),
          both: round3(r.final.both),
          steps: r.plan.run.steps,
          lr: r.plan.run.lr,
          batch_size: r.plan.run.batchSize,
          warmup: r.plan.run.warmup,
          weight_decay: r.plan.run.weightDecay,
          train_seconds: Math.round(r.seconds * 10) / 10,
          loss_first: round3(r.lossFirst),
          loss_last: round3(r.lossLast),
          curve: r.curve.map((c) => ({ step: c.step, style: round3(c.style), content: round3(c.content) })),
          examples: r.final.examples.slice(0, 2),
          load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
        }
        ctx.log(`${label}: style ${Math.round(cell.style * 100)}%, content ${Math.round(cell.content * 100)}%, ${cell.steps} steps, ${cell.train_seconds} s`)
        cells.push(cell)
      }
    }
  }
  const goalCell = cells.find((c) => c.setting === 'defaults' && c.captions === 40 && c.gpt2 === 'frozen') as
    { style: number; content: number; train_seconds: number } | undefined
  return {
    world: {
      images: world.examples.length,
      base: world.baseIdx.length,
      person_pool: world.userIdx.length,
      held_out: world.heldOutIdx.length,
      base_style: 'a red circle.',
      new_style: 'Photo of a circle in red.',
    },
    base: { seconds: Math.round(baseSeconds), style: round3(before.style), content: round3(before.content) },
    cells,
    goal: goalCell ? { style_ge_0_8: goalCell.style >= 0.8, content_ge_0_9: goalCell.content >= 0.9, within_3_minutes: goalCell.train_seconds <= 180 } : null,
    load_average_end: os.loadavg().map((x) => Math.round(x * 100) / 100),
  }
}
