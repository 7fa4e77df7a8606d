// `photocap caption set PATH TEXT [--db FILE]`: write a `user` caption for the
// photo at PATH; the same operation as the app's caption editor
// (engine.captions.set). Nothing automatic will replace it.
import { parseCommandArgs } from '../args.ts'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation } from '../support.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, { usage: 'usage: photocap caption set PATH TEXT [--db FILE]', positionals: true, options: { db: { type: 'string' } } })
  const { values, positionals } = cli
  if (positionals.length !== 2) cli.fail('give the PATH of one photo and its TEXT')
  const file = resolveUserPath(io, positionals[0]!)
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  try {
    const id = engine.photos.idByPath(file)
    if (id === null) {
      io.err(`photocap caption set: ${file} is not in the library (add its folder with \`photocap index\`)`)
      return 1
    }
    const caption = engine.captions.set(id, positionals[1]!)
    io.out(`photo ${id}: ${caption.text}`)
    return 0
  } finally {
    await engine.close()
  }
}
