// `photocap train [--db FILE | --data DATASET] --pack DIR --out DIR [--mapping mlp|transformer]
//   [--prefix-length K] [--tune-gpt2] [--epochs N] [--steps N] [--batch-size B] [--lr X]
//   [--warmup N] [--weight-decay X] [--seed S] [--no-shuffle] [--init scratch|pack]
//   [--provider auto|cpu|cuda|dml|coreml|webgpu]`
//
// Trains the ClipCap mapping (and with --tune-gpt2 GPT-2 too) with the paper's
// loss/optimizer/schedule and writes OUT/mapping/{config.json,model.safetensors}
// (+ OUT/gpt2/{config.json,model.safetensors} with --tune-gpt2), printing one
// JSON line per optimizer step: {"step","loss","lr","samples_per_s"} (step is
// 0-based: the loss of batch k before update k, as in the paper's loop).
// DATASET: JSON lines of {"embedding": [...], "caption"} or {"image", "caption"};
// also accepted: a folder of images with .txt captions beside them, or a
// COCO-style captions .json next to its images. Images are embedded once with
// the pack's CLIP and the vectors cached next to the dataset.
// --provider (default auto: the platform's GPU provider when onnxruntime-node
// has it, else CPU) picks the training session's execution provider exactly as
// `photocap caption --provider` does (runtime/session.ts createSession); a
// provider asked for by name that cannot run says why on stderr and the run
// continues on CPU. stdout stays JSON lines only.
import fs from 'node:fs'
import path from 'node:path'
import { parseCommandArgs } from '../args.ts'
import type { MappingConfig } from '../../ml/models/config.ts'
import { loadGpt2Tokenizer } from '../../ml/tokenizers/gpt2-vocab-files.ts'
import type { TrainItem } from '../../ml/training/dataset.ts'
import { readDatasetJsonl, type DatasetLine } from '../../ml/training/dataset-file.ts'
import { mappingConfigJson, writeTrainedModel } from '../../ml/training/model-output.ts'
import { planTraining, type TrainingPlan } from '../../ml/training/plan.ts'
import { runTraining } from '../../ml/training/train-run.ts'
import { loadTrainingPack } from '../../ml/training/training-pack.ts'
import { PROVIDER_REQUESTS } from '../../ml/runtime/providers.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

const USAGE =
  'usage: photocap train [--db FILE | --data DATASET] --pack DIR --out DIR [--mapping mlp|transformer] [--prefix-length K] [--tune-gpt2] ' +
  '[--epochs N] [--steps N] [--batch-size B] [--lr X] [--warmup N] [--weight-decay X] [--seed S] [--no-shuffle] [--init scratch|pack] ' +
  `[--provider ${PROVIDER_REQUESTS.join('|')}]`

/** Only the options given on the command line (planTraining fills the rest). */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: USAGE,
    options: {
      db: { type: 'string' },
      data: { type: 'string' },
      pack: { type: 'string' },
      out: { type: 'string' },
      mapping: { type: 'string' },
      'prefix-length': { type: 'string' },
      'tune-gpt2': { type: 'boolean' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      warmup: { type: 'string' },
      'weight-decay': { type: 'string' },
      seed: { type: 'string' },
      'no-shuffle': { type: 'boolean' },
      init: { type: 'string' },
      provider: { type: 'string' },
    },
  })
  const v = cli.values
  if (!v.pack) return cli.fail('--pack DIR is required')
  if (!v.out) return cli.fail('--out DIR is required')
  if (Boolean(v.db) === Boolean(v.data)) return cli.fail('give exactly one of --db FILE or --data DATASET')
  const mappingType = cli.choice('mapping', ['mlp', 'transformer'])
  const init = cli.choice('init', ['scratch', 'pack'])
  const provider = cli.choice('provider', PROVIDER_REQUESTS) ?? 'auto'
  const epochs = cli.number('epochs', { integer: true, min: 1 })
  const steps = cli.number('steps', { integer: true, min: 1 })
  const batchSize = cli.number('batch-size', { integer: true, min: 1 })
  const lr = cli.number('lr', { min: 0 })
  const warmup = cli.number('warmup', { integer: true, min: 0 })
  const weightDecay = cli.number('weight-decay', { min: 0 })
  const seed = cli.number('seed', { integer: true, min: 0 })
  const prefixLength = cli.number('prefix-length', { integer: true, min: 1 })

  const pack = await loadTrainingPack(resolveUserPath(io, v.pack))
  const type: MappingConfig['type'] = mappingType ?? pack.mapping.type
  const packType = pack.mapping.type

  // The training set.
  let items: TrainItem[]
  const tok = loadGpt2Tokenizer(pack.gpt2Dir)
  if (v.data) {
    let file = resolveUserPath(io, v.data)
    let lines: DatasetLine[]
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      // A folder of images with .txt captions beside them.
      const { importCaptionFolder } = await import('../../engine/training/dataset-import.ts')
      lines = importCaptionFolder(file).map((c, i) => ({ line: i + 1, caption: c.caption, image: c.image }))
      file = path.join(file, 'captions')
    } else if (file.endsWith('.json')) {
      // COCO-style captions JSON; file_name is relative to the JSON's folder.
      const { importCocoCaptions } = await import('../../engine/training/dataset-import.ts')
      lines = importCocoCaptions(file, path.dirname(file)).map((c, i) => ({ line: i + 1, caption: c.caption, image: c.image }))
    } else lines = readDatasetJsonl(file)
    const images = lines.filter((l) => 'image' in l)
    let embedded = new Map<number, Float32Array>()
    if (images.length) {
      const { embedImageFiles } = await import('../../ml/training/embed-images.ts')
      embedded = await embedImageFiles(
        resolveUserPath(io, v.pack),
        images.map((l) => ('image' in l ? l.image : '')),
        file,
      )
      embedded = new Map([...embedded.values()].map((e, i) => [images[i]!.line, e]))
    }
    items = lines.map((l) => ({ embedding: 'embedding' in l ? l.embedding : embedded.get(l.line)!, tokens: tok.encode(l.caption) }))
  } else {
    const { readDbTrainingItems } = await import('../../engine/training/db-dataset.ts')
    items = readDbTrainingItems(resolveUserPath(io, v.db!), tok)
  }
  let plan: TrainingPlan
  try {
    plan = planTraining(pack, {
      captions: items.length,
      ...(init ? { init } : {}),
      mapping: type,
      ...defined({ prefixLength, epochs, steps, batchSize, lr, warmup, weightDecay, seed }),
      ...(v['tune-gpt2'] ? { tuneGpt2: true } : { tuneGpt2: false }),
      shuffle: !v['no-shuffle'],
    })
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    if (/too little data/.test(msg)) throw e
    return cli.fail(msg)
  }
  const { mapping } = plan.run

  const result = await runTraining(
    pack,
    items,
    {
      ...plan.run,
      initialMapping: plan.init === 'pack' ? pack.mappingWeights : null,
      provider,
      onProvider: (used, reason) => {
        // As `photocap caption`: only a provider named explicitly that did not run is worth a line.
        if (reason && provider !== 'auto' && provider !== used) io.err(`photocap train: provider ${provider} not used (${reason}); running on ${used}`)
      },
    },
    (s) => io.out(JSON.stringify({ step: s.step, loss: s.loss, lr: s.lr, samples_per_s: Math.round(s.samples_per_s * 100) / 100 })),
  )
  const outDir = resolveUserPath(io, v.out)
  writeTrainedModel(outDir, {
    mappingJson: mappingConfigJson(mapping, type === packType ? pack.mappingJson : {}, { tunedGpt2: plan.run.tuneGpt2 }),
    mapping: result.mapping,
    gpt2: result.gpt2,
    gpt2ConfigPath: path.join(pack.gpt2Dir, 'config.json'),
  })
  if (!fs.existsSync(path.join(outDir, 'mapping', 'model.safetensors'))) throw new Error(`${outDir}: the trained mapping was not written`)
  return 0
}
