// "Learn my style": train a new model version on the library's own `user`
// captions (stored CLIP embeddings, no image re-encoded), evaluate it against
// held-out user captions next to the current model, and leave activation to
// the user. Training only reads caption data; it never writes captions.
//
// [Note: resumable versions] A version row is created in state 'training'
// before the first step; checkpoints go to its checkpoint_dir every few steps
// (atomic writes). Starting the same training again (same parameters) after a
// crash or kill -9 reuses that row and resumes from the last checkpoint.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { LibraryDb } from '../db/database.ts'
import { isCancelled } from '../errors.ts'
import type { MappingConfig } from '../../ml/models/config.ts'
import type { WeightMap } from '../../ml/models/weight-names.ts'
import { loadGpt2Tokenizer } from '../../ml/tokenizers/gpt2-vocab-files.ts'
import { makeBatch, maxSeqLen, type TrainItem } from '../../ml/training/dataset.ts'
import { mappingConfigJson, writeTrainedModel } from '../../ml/training/model-output.ts'
import { TrainingSession } from '../../ml/training/session.ts'
import { runTraining, type StepLog } from '../../ml/training/train-run.ts'
import { loadTrainingPack, type TrainingPack } from '../../ml/training/training-pack.ts'
import { importedCaptionCount, readUserCaptions, type DbCaption } from './db-dataset.ts'
import { bleu4, ciderD, readsLikeYours } from './metrics.ts'
import { MINIMUM_REASON, PLAN_DEFAULTS, planTraining, type TrainingRequest } from '../../ml/training/plan.ts'
import { isProviderRequest, type ProviderRequest } from '../../ml/runtime/providers.ts'
import { readSettings } from '../settings.ts'
import { createVersion, finishVersion, getVersion, listVersions, type ModelVersion } from './versions.ts'

/** The library's execution-provider setting (training runs on the same providers as inference). */
function providerFromSettings(db: LibraryDb): ProviderRequest {
  const p = readSettings(db).provider
  return isProviderRequest(p) ? p : 'auto'
}

export class TooLittleDataError extends Error {
  override name = 'TooLittleDataError'
}

/** The run's hyperparameters are planTraining's request (one place for them); the caption count comes from the library. */
export interface LibraryTrainingOptions extends Omit<TrainingRequest, 'captions' | 'shuffle'> {
  /** Where versions are stored (<dataDir>/models/trained/<id>/). */
  dataDir: string
  /** The pack to start from (normally the active pack). */
  basePack: string
  name?: string
  /** Fraction of the user's captions held out for evaluation (default 0.1, at least minValidation). */
  validationFraction?: number
  minTrain?: number
  minValidation?: number
  checkpointEvery?: number
  onProgress?: (p: TrainingProgress) => void
  /** Told once the training session exists: the execution provider it runs on and why an accelerator was skipped. */
  onProvider?: (provider: string, fallbackReason: string | null) => void
  signal?: AbortSignal
  /** Execution provider (default: the library setting, like inference). */
  provider?: ProviderRequest
  /** Captions a model gives for the validation embeddings (default: the ML pipeline in this process). */
  captioner?: (packDir: string, embeddings: Float32Array[]) => Promise<string[]>
}

export interface TrainingProgress extends StepLog {
  steps: number
  etaSeconds: number
}

/** Library-only settings; the training settings themselves are planTraining's (ml/training/plan.ts). */
export const LIBRARY_DEFAULTS = {
  seed: PLAN_DEFAULTS.seed,
  validationFraction: 0.1,
  minTrain: PLAN_DEFAULTS.minTrain,
  minValidation: PLAN_DEFAULTS.minValidation,
  checkpointEvery: 20,
}

/** How many captions are usable for training (what the Training view shows). */
export function availableCaptions(db: LibraryDb): number {
  return readUserCaptions(db.raw).length
}

export interface TeachingSummary {
  /** Captions that teach: the person's own plus the automatic ones they reviewed and accepted. */
  total: number
  user: number
  reviewed: number
  /** Current captions imported from the files' metadata: never taught. */
  imported: number
  minimum: number
  /** Why the minimum, in words. */
  minimumReason: string
}

/** The count the Training view shows before training, with the minimum and why. */
export function teachingSummary(db: LibraryDb): TeachingSummary {
  const caps = readUserCaptions(db.raw)
  const user = caps.filter((c) => c.kind === 'user').length
  return {
    total: caps.length,
    user,
    reviewed: caps.length - user,
    imported: importedCaptionCount(db.raw),
    minimum: LIBRARY_DEFAULTS.minTrain + LIBRARY_DEFAULTS.minValidation,
    minimumReason: MINIMUM_REASON,
  }
}

/** The options a caller gave (undefined ones dropped), for planTraining. */
function pick<K extends keyof TrainingRequest & keyof LibraryTrainingOptions>(o: LibraryTrainingOptions, keys: K[]): Partial<Pick<TrainingRequest, K>> {
  const out: Partial<Pick<TrainingRequest, K>> = {}
  for (const k of keys) if (o[k] !== undefined) (out as Record<string, unknown>)[k] = o[k]
  return out
}

/** Deterministic held-out split by a hash of the photo id. */
export function splitValidation(caps: DbCaption[], fraction: number, minValidation: number, seed: number): { train: DbCaption[]; validation: DbCaption[] } {
  const key = (id: number) => crypto.createHash('sha256').update(`${seed}:${id}`).digest().readUInt32BE(0)
  const sorted = [...caps].sort((a, b) => key(a.photoId) - key(b.photoId) || a.photoId - b.photoId)
  const nVal = Math.max(minValidation, Math.round(caps.length * fraction))
  const valIds = new Set(sorted.slice(0, nVal).map((c) => c.photoId))
  return { train: caps.filter((c) => !valIds.has(c.photoId)), validation: caps.filter((c) => valIds.has(c.photoId)) }
}

/** Hard-link (or copy) a file tree. */
function linkTree(src: string, dst: string): void {
  fs.mkdirSync(dst, { recursive: true })
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name)
    const d = path.join(dst, e.name)
    if (e.isDirectory()) linkTree(s, d)
    else if (!fs.existsSync(d)) {
      try {
        fs.linkSync(s, d)
      } catch {
        fs.copyFileSync(s, d)
      }
    }
  }
}

/** Mean caption loss of `items` under the given weights (ignore_index 0, weighted by target counts). */
export async function validationLoss(
  pack: TrainingPack,
  mapping: MappingConfig,
  mappingWeights: WeightMap,
  gpt2Weights: WeightMap,
  items: TrainItem[],
  maxLen: number,
): Promise<number> {
  const chunk = Math.min(16, items.length)
  let sum = 0
  let count = 0
  const sizes = new Map<number, number[][]>()
  for (let s = 0; s < items.length; s += chunk) {
    const idx = Array.from({ length: Math.min(chunk, items.length - s) }, (_, i) => s + i)
    const list = sizes.get(idx.length) ?? []
    list.push(idx)
    sizes.set(idx.length, list)
  }
  for (const [B, batches] of sizes) {
    const session = await TrainingSession.create(
      { mapping, gpt2: pack.gpt2, mappingWeights, gpt2Weights, tuneGpt2: false, batchSize: B, seqLen: maxLen, optimizer: null },
      { threads: 2 },
    )
    try {
      for (const idx of batches) {
        const batch = makeBatch(items, idx, { prefixLength: mapping.prefixLength, maxLen, normalize: mapping.normalizePrefix })
        const r = await session.gradients(batch)
        sum += r.loss * batch.targets
        count += batch.targets
      }
    } finally {
      await session.release()
    }
  }
  return sum / count
}

async function pipelineCaptioner(packDir: string, embeddings: Float32Array[], dataDir: string): Promise<string[]> {
  const { createInProcessMlService } = await import('../../ml/pipeline/index.ts')
  const svc = await createInProcessMlService({ packDir, dataDir, threads: 2 })
  try {
    return (await svc.captionEmbeddings(embeddings, { method: 'greedy' })).map((r) => r.caption)
  } finally {
    await svc.close()
  }
}

/** Train, write and evaluate a new model version from the library's user captions. */
export async function trainFromLibrary(db: LibraryDb, opts: LibraryTrainingOptions): Promise<ModelVersion> {
  const D = LIBRARY_DEFAULTS
  const caps = readUserCaptions(db.raw)
  const minTrain = opts.minTrain ?? D.minTrain
  const minVal = opts.minValidation ?? D.minValidation
  if (caps.length < minTrain + minVal) {
    throw new TooLittleDataError(
      `too little data to learn your style: ${caps.length} photo${caps.length === 1 ? ' has' : 's have'} your own caption and a stored embedding; training needs at least ${minTrain + minVal} (${minTrain} to learn from, ${minVal} to check the result). Write or correct more captions first.`,
    )
  }
  const seed = opts.seed ?? D.seed
  const { train, validation } = splitValidation(caps, opts.validationFraction ?? D.validationFraction, minVal, seed)
  if (train.length < minTrain)
    throw new TooLittleDataError(
      `too little data: only ${train.length} captions remain for training after holding out ${validation.length}; training needs at least ${minTrain}`,
    )

  const pack = await loadTrainingPack(opts.basePack)
  const tok = loadGpt2Tokenizer(pack.gpt2Dir)
  const toItem = (c: DbCaption): TrainItem => ({ embedding: c.embedding, tokens: tok.encode(c.text) })
  const trainItems = train.map(toItem)
  const valItems = validation.map(toItem)
  const plan = planTraining(pack, {
    captions: trainItems.length,
    seed,
    ...pick(opts, ['init', 'mapping', 'prefixLength', 'tuneGpt2', 'epochs', 'steps', 'batchSize', 'lr', 'warmup', 'weightDecay']),
  })
  const { mapping } = plan.run
  const type = mapping.type
  const init = plan.init
  const steps = plan.run.steps
  const params = {
    init,
    mapping: type,
    prefix_length: mapping.prefixLength,
    tune_gpt2: plan.run.tuneGpt2,
    epochs: Math.round(plan.epochs * 10) / 10,
    steps,
    batch_size: plan.run.batchSize,
    lr: plan.run.lr,
    warmup: plan.run.warmup,
    weight_decay: plan.run.weightDecay,
    seed,
    train_captions: trainItems.length,
    validation_captions: valItems.length,
    validation_photo_ids: validation.map((c) => c.photoId),
    model_id: caps[0]!.modelId,
  }

  // Resume an interrupted run with the same parameters, else start a new version.
  let version = listVersions(db).find((v) => v.state === 'training' && v.basePack === pack.dir && JSON.stringify(v.params) === JSON.stringify(params)) ?? null
  if (!version) {
    const root = path.join(opts.dataDir, 'models', 'trained')
    fs.mkdirSync(root, { recursive: true })
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const dir = path.join(root, `${stamp}-${crypto.randomBytes(3).toString('hex')}`)
    version = createVersion(db, {
      name: opts.name ?? `My style ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
      basePack: pack.dir,
      packDir: path.join(dir, 'pack'),
      checkpointDir: path.join(dir, 'checkpoint'),
      params,
    })
  }
  try {
    const t0 = performance.now()
    let firstStep: number | null = null
    const result = await runTraining(
      pack,
      trainItems,
      {
        ...plan.run,
        initialMapping: init === 'pack' ? pack.mappingWeights : null,
        provider: opts.provider ?? providerFromSettings(db),
        checkpointDir: version.checkpointDir!,
        checkpointEvery: opts.checkpointEvery ?? D.checkpointEvery,
        onProvider: (used, reason) => opts.onProvider?.(used, reason),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (s) => {
        firstStep ??= s.step
        const done = s.step + 1
        const elapsed = (performance.now() - t0) / 1000
        opts.onProgress?.({ ...s, steps, etaSeconds: (elapsed / Math.max(1, done - firstStep)) * (steps - done) })
      },
    )
    // Write the version as a complete pack: base files linked, trained parts written.
    const packDir = version.packDir
    fs.rmSync(packDir, { recursive: true, force: true })
    linkTree(pack.dir, packDir)
    fs.rmSync(path.join(packDir, path.relative(pack.dir, pack.mappingDir)), { recursive: true, force: true })
    const packJson = JSON.parse(fs.readFileSync(path.join(pack.dir, 'pack.json'), 'utf8')) as Record<string, unknown>
    if (result.gpt2) fs.rmSync(path.join(packDir, path.relative(pack.dir, pack.gpt2Dir), 'model.safetensors'), { force: true })
    writeTrainedModel(path.join(packDir, '.trained'), {
      mappingJson: mappingConfigJson(mapping, type === pack.mapping.type ? pack.mappingJson : {}, { tunedGpt2: params.tune_gpt2 }),
      mapping: result.mapping,
      gpt2: result.gpt2,
      gpt2ConfigPath: path.join(pack.gpt2Dir, 'config.json'),
    })
    fs.renameSync(path.join(packDir, '.trained', 'mapping'), path.join(packDir, path.relative(pack.dir, pack.mappingDir)))
    if (result.gpt2)
      fs.renameSync(path.join(packDir, '.trained', 'gpt2', 'model.safetensors'), path.join(packDir, path.relative(pack.dir, pack.gpt2Dir), 'model.safetensors'))
    fs.rmSync(path.join(packDir, '.trained'), { recursive: true, force: true })
    fs.writeFileSync(
      path.join(packDir, 'pack.json'),
      JSON.stringify(
        { ...packJson, name: `${String(packJson.name ?? 'pack')}+${version.name}`, trained_from: pack.dir, trained_version: version.id },
        null,
        1,
      ) + '\n',
    )

    // Evaluate old vs new on the held-out user captions.
    const maxLen = Math.max(result.maxLen, maxSeqLen(valItems.map((i) => i.tokens.length)))
    const newGpt2 = result.gpt2 ?? pack.gpt2Weights
    // The model before training is measured on the same held-out captions, whatever its mapping type (both rows always filled).
    const oldMapping = pack.mappingWeights
    const valLossNew = await validationLoss(pack, mapping, result.mapping, newGpt2, valItems, maxLen)
    const valLossOld = oldMapping ? await validationLoss(pack, pack.mapping, oldMapping, pack.gpt2Weights, valItems, maxLen) : null
    const captioner = opts.captioner ?? ((dir: string, e: Float32Array[]) => pipelineCaptioner(dir, e, opts.dataDir))
    const embeddings = validation.map((c) => c.embedding)
    const refs = validation.map((c) => c.text)
    const newCaps = await captioner(packDir, embeddings)
    const oldCaps = await captioner(pack.dir, embeddings)
    const like = (cands: string[]) => cands.filter((c, i) => readsLikeYours(c, refs[i]!)).length
    const metrics = {
      held_out: refs.length,
      old: { val_loss: valLossOld, bleu4: bleu4(oldCaps, refs), cider_d: ciderD(oldCaps, refs), like_yours: like(oldCaps) },
      new: { val_loss: valLossNew, bleu4: bleu4(newCaps, refs), cider_d: ciderD(newCaps, refs), like_yours: like(newCaps) },
      train_losses: result.losses.filter((_, i) => i % Math.max(1, Math.floor(result.losses.length / 200)) === 0),
      samples: validation.slice(0, 8).map((c, i) => ({ photo_id: c.photoId, reference: c.text, old: oldCaps[i], new: newCaps[i] })),
      resumed_from_step: result.resumedFrom,
      provider: result.provider,
      fallback_reason: result.fallbackReason,
      plan: plan.why,
      base_pack: pack.dir,
    }
    finishVersion(db, version.id, { metrics })
    fs.rmSync(version.checkpointDir!, { recursive: true, force: true })
    return getVersion(db, version.id)!
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    // A cancelled run stays resumable (state 'training' with its checkpoint); real failures are recorded.
    if (!isCancelled(e)) finishVersion(db, version.id, { error: msg })
    throw e
  }
}
