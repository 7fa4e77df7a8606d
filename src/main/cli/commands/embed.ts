// photocap embed [--pack DIR] [--json] [--provider P] --image IMAGE... | --text TEXT...
// One line per input: `INPUT<TAB>v1 v2 ...`, or with --json {"input","embedding"}:
// the projected CLIP embedding before any normalisation.
import { PROVIDER_REQUESTS } from '../../../shared/ml-options.ts'
import { parseCommandArgs } from '../args.ts'
import type { CliIo } from '../io.ts'
import { resolveUserPath } from '../io.ts'
import { openCliService, progress } from '../ml-service.ts'

const USAGE = 'usage: photocap embed [--pack DIR] [--json] [--provider P] --image IMAGE... | --text TEXT...'
const CHUNK = 32

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: USAGE,
    positionals: true,
    options: { pack: { type: 'string' }, json: { type: 'boolean' }, provider: { type: 'string' }, image: { type: 'boolean' }, text: { type: 'boolean' } },
  })
  const { values, positionals } = cli
  if (Boolean(values.image) === Boolean(values.text)) cli.fail('give exactly one of --image or --text')
  if (positionals.length === 0) cli.fail(values.image ? 'no IMAGE given' : 'no TEXT given')
  const provider = cli.choice('provider', PROVIDER_REQUESTS) ?? 'auto'
  const print = (input: string, embedding: Float32Array): void => {
    const list = Array.from(embedding)
    io.out(values.json ? JSON.stringify({ input, embedding: list }) : `${input}\t${list.join(' ')}`)
  }
  const { service } = await openCliService(io, 'embed', values.pack, provider)
  let failures = 0
  try {
    for (let start = 0; start < positionals.length; start += CHUNK) {
      const inputs = positionals.slice(start, start + CHUNK)
      if (values.image) {
        const res = await service.embedImages(inputs.map((p) => resolveUserPath(io, p)))
        res.forEach((r, i) => {
          if (r.ok) print(inputs[i]!, r.embedding)
          else {
            failures++
            io.err(`photocap embed: ${r.error}`)
          }
        })
      } else {
        const res = await service.embedTexts(inputs)
        res.forEach((e, i) => print(inputs[i]!, e))
      }
      progress(io, 'embedding', Math.min(start + CHUNK, positionals.length), positionals.length)
    }
  } finally {
    await service.close()
  }
  return failures > 0 ? 1 : 0
}
