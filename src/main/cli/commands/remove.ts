// `photocap remove FOLDER [--db FILE]`: take a folder out of the library (the
// app's "Remove folder", engine.roots.remove). Its photos, captions and
// thumbnails are forgotten; the files themselves are never touched.
import fs from 'node:fs'
import { parseCommandArgs } from '../args.ts'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation } from '../support.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, { usage: 'usage: photocap remove FOLDER [--db FILE]', positionals: true, options: { db: { type: 'string' } } })
  const { values, positionals } = cli
  if (positionals.length !== 1) cli.fail('give one FOLDER')
  const folder = resolveUserPath(io, positionals[0]!)
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  try {
    const roots = engine.roots.list()
    // the library stores a folder by its real path (links resolved); a folder that is gone is matched as typed
    const real = fs.existsSync(folder) ? fs.realpathSync(folder) : folder
    const root = roots.find((r) => r.path === folder || r.path === real)
    if (!root) {
      io.err(`photocap remove: ${folder} is not a library folder${roots.length ? ` (the library folders: ${roots.map((r) => r.path).join(', ')})` : ''}`)
      return 1
    }
    const count = engine.views.rootCount(root.id)
    await engine.roots.remove(root.id)
    io.out(`removed ${root.path} from the library (${count} photo${count === 1 ? '' : 's'} forgotten; the files are untouched)`)
    return 0
  } finally {
    await engine.close()
  }
}
