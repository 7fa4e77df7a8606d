// `photocap caption again PATH... [--db FILE] [--beam N | --greedy] [--max-tokens N]`:
// caption photos of the library again now with the active pack, the same
// operation as the app's "Regenerate" (engine.captions.regenerate): the new
// automatic caption becomes current unless the person wrote the current one.
import { MAX_BEAM, MAX_CAPTION_TOKENS } from '../../../shared/ml-options.ts'
import { parseCommandArgs } from '../args.ts'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation, loadMlService } from '../support.ts'
import type { DecodeOptions } from '../../ml/service.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

const USAGE = 'usage: photocap caption again PATH... [--db FILE] [--beam N | --greedy] [--max-tokens N]'

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: USAGE,
    positionals: true,
    options: { db: { type: 'string' }, beam: { type: 'string' }, greedy: { type: 'boolean' }, 'max-tokens': { type: 'string' } },
  })
  const { values, positionals } = cli
  if (positionals.length === 0) cli.fail('no PATH given')
  if (values.greedy && values.beam !== undefined) cli.fail('give --beam N or --greedy, not both')
  const decoding: Partial<DecodeOptions> = {}
  const beam = cli.number('beam', { integer: true, min: 1, max: MAX_BEAM })
  if (beam !== undefined) Object.assign(decoding, { method: 'beam', beamSize: beam })
  if (values.greedy) decoding.method = 'greedy'
  const maxTokens = cli.number('max-tokens', { integer: true, min: 1, max: MAX_CAPTION_TOKENS })
  if (maxTokens !== undefined) decoding.maxTokens = maxTokens
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  try {
    const ids: number[] = []
    for (const p of positionals) {
      const file = resolveUserPath(io, p)
      const id = engine.photos.idByPath(file)
      if (id === null) {
        io.err(`photocap caption again: ${file} is not in the library (add its folder with \`photocap index\`)`)
        return 1
      }
      ids.push(id)
    }
    const settings = engine.settings.get()
    const ml = await loadMlService({ dataDir: loc.dataDir, packDir: settings.activePack, provider: settings.provider }, io.env)
    try {
      await engine.ml.use(ml)
      for (const id of ids) {
        const caption = await engine.captions.regenerate(id, decoding)
        io.out(`photo ${id}: ${caption.text}${caption.current ? '' : ' (kept in the history: your own caption stays)'}`)
      }
    } finally {
      await engine.ml.use(null)
      await ml.close()
    }
    return 0
  } finally {
    await engine.close()
  }
}
