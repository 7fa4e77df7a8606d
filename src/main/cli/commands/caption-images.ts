// photocap caption --pack DIR [--decode greedy|beam] [--beam-size N] [--json] [--provider P] [--weights float32|int8|int4] IMAGE...
// --weights int8|int4 is the opt-in fast mode (weight-only quantized graphs, ml/graph/quantize.ts).
// One caption per image (`PATH<TAB>caption` when several images are given), or
// with --json one object per line {"path","caption","tokens"} (GPT-2 ids, stop
// token excluded). A bad image gets a one-line error naming it; the others are
// still captioned and the exit status is 1.
import { parseArgs } from 'node:util'
import type { CliIo } from '../io.ts'
import { resolveUserPath } from '../io.ts'
import { beamSizeProblem } from '../../../shared/ml-options.ts'
import { openCliService, parseProvider, parseWeights, progress, UsageError } from '../ml-service.ts'

const USAGE = 'usage: photocap caption [--pack DIR] [--decode greedy|beam] [--beam-size N] [--json] [--provider P] [--weights float32|int8|int4] IMAGE...'
const CHUNK = 16

export async function run(args: string[], io: CliIo): Promise<number> {
  let values: { pack?: string; decode?: string; 'beam-size'?: string; json?: boolean; provider?: string; weights?: string; help?: boolean }
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        pack: { type: 'string' },
        decode: { type: 'string' },
        'beam-size': { type: 'string' },
        json: { type: 'boolean' },
        provider: { type: 'string' },
        weights: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    io.err(`photocap caption: ${(error as Error).message}\n${USAGE}`)
    return 2
  }
  if (values.help) {
    io.out(USAGE)
    return 0
  }
  let method: 'greedy' | 'beam'
  let beamSize: number | undefined
  let provider
  let weights
  try {
    const decode = values.decode ?? 'greedy'
    if (decode !== 'greedy' && decode !== 'beam') throw new UsageError(`--decode: expected greedy or beam, got '${decode}'`)
    method = decode
    if (values['beam-size'] !== undefined) {
      const n = Number(values['beam-size'])
      const problem = beamSizeProblem(n)
      if (problem) throw new UsageError(`--beam-size: ${problem}, got '${values['beam-size']}'`)
      beamSize = n
    }
    provider = parseProvider(values.provider)
    weights = parseWeights(values.weights)
    if (positionals.length === 0) throw new UsageError('no IMAGE given')
  } catch (error) {
    io.err(`photocap caption: ${(error as Error).message}\n${USAGE}`)
    return 2
  }

  const { service } = await openCliService(io, 'caption', values.pack, provider, weights)
  let failures = 0
  try {
    for (let start = 0; start < positionals.length; start += CHUNK) {
      const inputs = positionals.slice(start, start + CHUNK)
      const embedded = await service.embedImages(inputs.map((p) => resolveUserPath(io, p)))
      const good: { input: string; embedding: Float32Array }[] = []
      embedded.forEach((r, i) => {
        if (r.ok) good.push({ input: inputs[i]!, embedding: r.embedding })
        else {
          failures++
          io.err(`photocap caption: ${r.error}`)
        }
      })
      const captions = good.length ? await service.captionEmbeddings(good.map((g) => g.embedding), { method, ...(beamSize !== undefined ? { beamSize } : {}) }) : []
      captions.forEach((c, i) => {
        const input = good[i]!.input
        if (values.json) io.out(JSON.stringify({ path: input, caption: c.caption, tokens: c.tokens }))
        else io.out(positionals.length > 1 ? `${input}\t${c.caption}` : c.caption)
      })
      progress(io, 'captioning', Math.min(start + CHUNK, positionals.length), positionals.length)
    }
  } finally {
    await service.close()
  }
  return failures > 0 ? 1 : 0
}
