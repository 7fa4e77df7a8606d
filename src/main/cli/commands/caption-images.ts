// photocap caption --pack DIR [--decode greedy|beam] [--beam-size N] [--json] [--provider P] [--weights float32|int8|int4] IMAGE...
// --weights int8|int4 is the opt-in fast mode (weight-only quantized graphs, ml/graph/quantize.ts).
// One caption per image (`PATH<TAB>caption` when several images are given), or
// with --json one object per line {"path","caption","tokens"} (GPT-2 ids, stop
// token excluded). A bad image gets a one-line error naming it; the others are
// still captioned and the exit status is 1.
import { DECODE_METHODS, MAX_BEAM, PROVIDER_REQUESTS } from '../../../shared/ml-options.ts'
import { WEIGHT_FORMATS } from '../../ml/graph/quantize.ts'
import { parseCommandArgs } from '../args.ts'
import type { CliIo } from '../io.ts'
import { resolveUserPath } from '../io.ts'
import { openCliService, progress } from '../ml-service.ts'

const USAGE = 'usage: photocap caption [--pack DIR] [--decode greedy|beam] [--beam-size N] [--json] [--provider P] [--weights float32|int8|int4] IMAGE...'
const CHUNK = 16

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: USAGE,
    positionals: true,
    options: {
      pack: { type: 'string' },
      decode: { type: 'string' },
      'beam-size': { type: 'string' },
      json: { type: 'boolean' },
      provider: { type: 'string' },
      weights: { type: 'string' },
    },
  })
  const { values, positionals } = cli
  const method = cli.choice('decode', DECODE_METHODS) ?? 'greedy'
  const beamSize = cli.number('beam-size', { integer: true, min: 1, max: MAX_BEAM })
  const provider = cli.choice('provider', PROVIDER_REQUESTS) ?? 'auto'
  const weights = cli.choice('weights', WEIGHT_FORMATS) ?? 'float32'
  if (positionals.length === 0) cli.fail('no IMAGE given')

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
      const captions = good.length
        ? await service.captionEmbeddings(
            good.map((g) => g.embedding),
            { method, ...(beamSize !== undefined ? { beamSize } : {}) },
          )
        : []
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
