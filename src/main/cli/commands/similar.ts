// `photocap similar PATH [--db FILE] [--limit N] [--json]`: photos that look
// like the photo at PATH (image-to-image cosine of stored CLIP embeddings),
// the photo itself first. Same line format as `search`.
import { parseCommandArgs } from '../args.ts'
import { openSearchSession } from '../search-session.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: 'usage: photocap similar PATH [--db FILE] [--limit N] [--json]',
    positionals: true,
    options: { db: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  })
  const { values, positionals } = cli
  if (positionals.length !== 1) cli.fail('give the PATH of one photo')
  const file = resolveUserPath(io, positionals[0]!)
  const limit = cli.number('limit', { integer: true, min: 1 }) ?? 20
  const session = await openSearchSession({ env: io.env, cwd: io.cwd, db: values.db, meaning: false })
  try {
    const id = session.engine.photos.idByPath(file)
    if (id === null) {
      io.err(`photocap similar: ${file} is not in the library (add its folder with photocap index)`)
      return 1
    }
    const result = session.search.similar(id, { limit })
    for (const item of result.items) {
      if (values.json) io.out(JSON.stringify({ path: item.path, caption: item.caption, score: Math.round(item.score * 1e6) / 1e6, source: item.source }))
      else io.out(`${item.score.toFixed(3)}  ${item.path ?? '?'}${item.caption ? `  ${item.caption}` : ''}`)
    }
    return 0
  } finally {
    await session.close()
  }
}
