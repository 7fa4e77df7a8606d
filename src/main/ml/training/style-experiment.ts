// The "Learn my style" experiment on the generated shapes world (the same
// generator and random tiny pack as the learning proof, learning.test.ts):
//
//  1. a base mapping learns one caption template from scratch ("a red circle."),
//     GPT-2 frozen: the "model that already captions well";
//  2. it is then fine-tuned on N captions written in a different, personal
//     style ("Photo of a circle in red." — a fixed prefix, shape before colour,
//     the colour as "in …"), with the settings planTraining chooses;
//  3. on held-out images (never trained on) we count the captions in the new
//     style and the captions whose content (colour and shape) is still right.
//
// Used by the CI test (40 captions, GPT-2 frozen) and by `npm run bench --
// learn-style` (the grid of caption counts × frozen/tuned × settings). The
// training inputs are never written: the experiment only reads its captions.
import fs from 'node:fs'
import path from 'node:path'
import { loadGpt2Tokenizer } from '../tokenizers/gpt2-vocab-files.ts'
import type { WeightMap } from '../models/weight-names.ts'
import { mulberry32, type TrainItem } from './dataset.ts'
import { embedImageFiles } from './embed-images.ts'
import { mappingConfigJson, writeTrainedModel } from './model-output.ts'
import { planTraining, type TrainingPlan, type TrainingRequest } from './plan.ts'
import { SHAPE_COLORS, SHAPES, writeShapesDataset, type ShapeExample } from './shapes-dataset.ts'
import { runTraining } from './train-run.ts'
import { loadTrainingPack, type TrainingPack } from './training-pack.ts'

export const COLOURS = Object.keys(SHAPE_COLORS)

/** The base model's template (what the learning proof trains). */
export const baseCaption = (e: Pick<ShapeExample, 'color' | 'shape'>): string => `a ${e.color} ${e.shape}.`
/** The person's style: a fixed prefix, the shape first, the colour as "in …". */
export const styledCaption = (e: Pick<ShapeExample, 'color' | 'shape'>): string => `Photo of a ${e.shape} in ${e.color}.`

const STYLE_RE = new RegExp(`^photo of a (${SHAPES.join('|')}) in (${COLOURS.join('|')})\\.$`)

/** Whether a generated caption is written in the person's style (whatever its content). */
export function isStyled(caption: string): boolean {
  return STYLE_RE.test(caption.trim().toLowerCase())
}

/** Whether a caption names exactly the right colour and shape (and no other), in any style. */
export function contentRight(caption: string, e: Pick<ShapeExample, 'color' | 'shape'>): boolean {
  const words = caption.toLowerCase().match(/[a-z]+/g) ?? []
  const colours = new Set(words.filter((w) => COLOURS.includes(w)))
  const shapes = new Set(words.filter((w) => (SHAPES as readonly string[]).includes(w)))
  return colours.size === 1 && colours.has(e.color) && shapes.size === 1 && shapes.has(e.shape)
}

export interface ShapesWorld {
  dir: string
  /** The tiny pack (random CLIP and GPT-2) the base mapping is trained into. */
  packDir: string
  pack: TrainingPack
  tok: { encode(text: string): number[] }
  examples: (ShapeExample & { embedding: Float32Array })[]
  /** Indices: the base model's training images, the person's pool, the held-out images. */
  baseIdx: number[]
  userIdx: number[]
  heldOutIdx: number[]
}

export interface WorldOptions {
  /** Images rendered in all (default 600: 240 for the base, 240 the person may caption, 120 held out). */
  images?: number
  seed?: number
}

/** Render and embed the world once (the images are large and centred: see [Note: learning with frozen GPT-2] in learning.test.ts). */
export async function makeShapesWorld(dir: string, packDir: string, opts: WorldOptions = {}): Promise<ShapesWorld> {
  const n = opts.images ?? 600
  const raw = await writeShapesDataset(path.join(dir, 'images'), n, opts.seed ?? 1, { radius: [0.42, 0.45], jitter: 0.015 })
  const emb = await embedImageFiles(
    packDir,
    raw.map((e) => e.file),
    path.join(dir, 'world.jsonl'),
  )
  const examples = raw.map((e, i) => ({ ...e, embedding: emb.get(i)! }))
  const pack = await loadTrainingPack(packDir)
  const tok = loadGpt2Tokenizer(pack.gpt2Dir)
  // Every split covers every colour × shape: per combination, the first images
  // are held out, the rest alternate between the base model's and the person's.
  const perCombo = new Map<string, number>()
  const heldOutPerCombo = Math.round(n / 5 / (COLOURS.length * SHAPES.length))
  const heldOutIdx: number[] = []
  const baseIdx: number[] = []
  const userIdx: number[] = []
  raw.forEach((e, i) => {
    const key = `${e.color} ${e.shape}`
    const k = perCombo.get(key) ?? 0
    perCombo.set(key, k + 1)
    if (k < heldOutPerCombo) heldOutIdx.push(i)
    else if ((k - heldOutPerCombo) % 2 === 0) baseIdx.push(i)
    else userIdx.push(i)
  })
  return { dir, packDir, pack, tok, examples, baseIdx, userIdx, heldOutIdx }
}

/** The person's first `count` captions, spread over every colour × shape like real corrections would be. */
export function userSample(world: ShapesWorld, count: number): number[] {
  if (count > world.userIdx.length) throw new Error(`the world has ${world.userIdx.length} images to caption, asked for ${count}`)
  return world.userIdx.slice(0, count)
}

function items(world: ShapesWorld, idx: number[], caption: (e: ShapeExample) => string): TrainItem[] {
  return idx.map((i) => ({ embedding: world.examples[i]!.embedding, tokens: world.tok.encode(caption(world.examples[i]!)) }))
}

export interface TrainedVersion {
  mapping: WeightMap
  gpt2: WeightMap | null
  packDir: string
}

/** Write trained weights as a complete pack: the files of the pack training started from, the trained parts replaced. */
export function writeVersionPack(world: ShapesWorld, fromPack: string, dir: string, mapping: WeightMap, gpt2: WeightMap | null): string {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.cpSync(fromPack, dir, { recursive: true })
  const tmp = path.join(dir, '.trained')
  writeTrainedModel(tmp, {
    mappingJson: mappingConfigJson(world.pack.mapping, world.pack.mappingJson, { tunedGpt2: Boolean(gpt2) }),
    mapping,
    gpt2,
    gpt2ConfigPath: path.join(world.pack.gpt2Dir, 'config.json'),
  })
  fs.rmSync(path.join(dir, 'mapping'), { recursive: true, force: true })
  fs.renameSync(path.join(tmp, 'mapping'), path.join(dir, 'mapping'))
  if (gpt2) fs.copyFileSync(path.join(tmp, 'gpt2', 'model.safetensors'), path.join(dir, 'gpt2', 'model.safetensors'))
  fs.rmSync(tmp, { recursive: true, force: true })
  return dir
}

/**
 * Other ways of saying the same thing, which the base GPT-2 learns as its
 * "language" (with the person's style among them, as real GPT-2 has read
 * "Photo of a …" phrasings) but which the base MAPPING never writes.
 */
export const LANGUAGE: ((e: Pick<ShapeExample, 'color' | 'shape'>) => string)[] = [
  baseCaption,
  styledCaption,
  (e) => `there is a ${e.color} ${e.shape}.`,
  (e) => `${e.color} ${e.shape} on white.`,
]

/**
 * [Note: the base model] A model that "already captions well", as a real pack
 * does: (1) GPT-2 and the mapping learn the shapes language (every image with
 * one of LANGUAGE's phrasings, at random: the stand-in for GPT-2's
 * pre-training on English, which a random GPT-2 lacks — frozen, a random tiny
 * GPT-2 cannot be steered into a 7-token style by 40 captions: 35% after 1,000
 * steps); (2) GPT-2 frozen, the mapping is fine-tuned on the base template only
 * ("a red circle."), the stand-in for a COCO-trained mapping. The person's
 * style is never a target of the base mapping: its share before learning is 0.
 */
export async function trainBase(world: ShapesWorld, opts: { languageSteps?: number; templateSteps?: number } = {}): Promise<TrainedVersion> {
  const rnd = mulberry32(7)
  const language = items(world, world.baseIdx, (e) => LANGUAGE[Math.floor(rnd() * LANGUAGE.length)]!(e))
  const lm = await runTraining(world.pack, language, {
    mapping: world.pack.mapping,
    initialMapping: null,
    tuneGpt2: true,
    batchSize: 20,
    steps: opts.languageSteps ?? 600,
    lr: 0.01,
    warmup: 30,
    weightDecay: 0,
    seed: 1,
    shuffle: true,
    provider: 'cpu',
  })
  const lmPack = await loadTrainingPack(writeVersionPack(world, world.packDir, path.join(world.dir, 'language-pack'), lm.mapping, lm.gpt2))
  const template = items(world, world.baseIdx, baseCaption)
  const res = await runTraining(lmPack, template, {
    mapping: world.pack.mapping,
    initialMapping: lm.mapping,
    tuneGpt2: false,
    batchSize: 20,
    steps: opts.templateSteps ?? 300,
    lr: 0.01,
    warmup: 30,
    weightDecay: 0,
    seed: 2,
    shuffle: true,
    provider: 'cpu',
  })
  const packDir = writeVersionPack(world, world.packDir, path.join(world.dir, 'base-pack'), res.mapping, lm.gpt2)
  return { mapping: res.mapping, gpt2: lm.gpt2, packDir }
}

export interface HeldOutScore {
  images: number
  /** Share of held-out captions in the person's style. */
  style: number
  /** Share naming the right colour and shape. */
  content: number
  /** Share with both. */
  both: number
  examples: { truth: string; caption: string }[]
}

/** Greedy captions of the held-out images with the pack in `packDir`, scored. */
export async function scoreHeldOut(world: ShapesWorld, packDir: string): Promise<HeldOutScore> {
  const { createInProcessMlService } = await import('../pipeline/index.ts')
  const svc = await createInProcessMlService({ packDir, dataDir: path.join(world.dir, 'data'), threads: 2, provider: 'cpu' })
  try {
    const held = world.heldOutIdx.map((i) => world.examples[i]!)
    const caps = (
      await svc.captionEmbeddings(
        held.map((e) => e.embedding),
        { method: 'greedy' },
      )
    ).map((r) => r.caption)
    const n = held.length
    const style = caps.filter(isStyled).length
    const content = caps.filter((c, i) => contentRight(c, held[i]!)).length
    const both = caps.filter((c, i) => isStyled(c) && contentRight(c, held[i]!)).length
    return {
      images: n,
      style: style / n,
      content: content / n,
      both: both / n,
      examples: held.slice(0, 4).map((e, i) => ({ truth: styledCaption(e), caption: caps[i]! })),
    }
  } finally {
    await svc.close()
  }
}

export interface StyleRun {
  captions: number
  tuneGpt2: boolean
  plan: TrainingPlan
  seconds: number
  final: HeldOutScore
  /** Held-out scores during the run (after these many optimizer steps). */
  curve: { step: number; style: number; content: number; both: number }[]
  lossFirst: number
  lossLast: number
}

/**
 * Learn the person's style from `count` captions, starting from `base`; the
 * training settings are planTraining's for that many captions unless
 * `overrides` says otherwise. `curvePoints` > 0 also scores the held-out images
 * at that many evenly spaced steps during the run (slower).
 */
export async function learnStyle(
  world: ShapesWorld,
  base: TrainedVersion,
  count: number,
  opts: { tuneGpt2: boolean; overrides?: Partial<TrainingRequest>; curvePoints?: number; label?: string },
): Promise<StyleRun> {
  const idx = userSample(world, count)
  const train = items(world, idx, styledCaption)
  const basePack = await loadTrainingPack(base.packDir)
  const plan = planTraining(basePack, { captions: train.length, tuneGpt2: opts.tuneGpt2, ...opts.overrides })
  const curve: StyleRun['curve'] = []
  const every = opts.curvePoints ? Math.max(1, Math.floor(plan.run.steps / opts.curvePoints)) : 0
  const label = opts.label ?? `${count}-${opts.tuneGpt2 ? 'tuned' : 'frozen'}`
  let curveSeconds = 0
  const t0 = performance.now()
  const res = await runTraining(basePack, train, {
    ...plan.run,
    initialMapping: basePack.mappingWeights,
    provider: 'cpu',
    ...(every
      ? {
          onSnapshot: async (step: number, mapping: WeightMap, gpt2: WeightMap | null) => {
            if (step % every !== 0 || step === plan.run.steps) return
            const c0 = performance.now()
            const s = await scoreHeldOut(world, writeVersionPack(world, base.packDir, path.join(world.dir, `snap-${label}`), mapping, gpt2))
            curve.push({ step, style: s.style, content: s.content, both: s.both })
            curveSeconds += (performance.now() - c0) / 1000
          },
        }
      : {}),
  })
  const seconds = (performance.now() - t0) / 1000 - curveSeconds
  const final = await scoreHeldOut(world, writeVersionPack(world, base.packDir, path.join(world.dir, `style-${label}`), res.mapping, res.gpt2))
  curve.push({ step: plan.run.steps, style: final.style, content: final.content, both: final.both })
  return { captions: count, tuneGpt2: opts.tuneGpt2, plan, seconds, final, curve, lossFirst: res.losses[0]!, lossLast: res.losses.at(-1)! }
}
