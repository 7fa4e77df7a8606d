// `photocap caption set PATH TEXT [--db FILE]`: write a `user` caption for the
// photo at PATH; the same operation as the app's caption editor
// (engine.captions.set). Nothing automatic will replace it.
import { parseArgs } from 'node:util'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation } from '../support.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { db: { type: 'string' } } })
  if (positionals.length !== 2) {
    io.err('usage: photocap caption set PATH TEXT [--db FILE]')
    return 2
  }
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
