// `photocap versions [list] [--json] [--db FILE]`, `photocap versions activate
// ID|pack`, `photocap versions revert`: the trained model versions, as the
// API's training.info lists them and training.activate switches them. Captions
// written from then on use the active version; `activate pack` goes back to the
// model pack (no training), `revert` to whatever was active before.
import fs from 'node:fs'
import { parseCommandArgs } from '../args.ts'
import { openDatabase } from '../../engine/db/database.ts'
import { activateVersion, listVersions, revertActive, type ModelVersion } from '../../engine/training/versions.ts'
import { libraryLocation } from '../support.ts'
import type { CliIo } from '../io.ts'

const USAGE = 'usage: photocap versions [list] [--json] [--db FILE] | activate ID|pack [--db FILE] | revert [--db FILE]'

function line(v: ModelVersion): string {
  const when = new Date(v.createdAt).toISOString().slice(0, 16).replace('T', ' ')
  return `${v.id}\t${v.state}${v.active ? ', active' : ''}\t${when}\t${v.name}${v.error ? `\t(${v.error})` : ''}`
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, { usage: USAGE, positionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' } } })
  const { values, positionals } = cli
  const [sub = 'list', ...rest] = positionals
  const arity = { list: 0, activate: 1, revert: 0 }[sub]
  if (arity === undefined) cli.fail(`unknown subcommand '${sub}'`)
  if (rest.length !== arity) cli.fail(`${sub} takes ${arity === 1 ? 'one version id (or pack)' : 'no arguments'}`)
  // a usage mistake is found before the library is opened (and is status 2, not a failed activation)
  const versionId = sub === 'activate' && rest[0] !== 'pack' ? Number(rest[0]) : undefined
  if (versionId !== undefined && (!Number.isInteger(versionId) || versionId <= 0))
    cli.fail(`activate: '${rest[0]}' is not a version id (see photocap versions)`)
  const loc = libraryLocation(io.env, io.cwd, values.db)
  if (!fs.existsSync(loc.dbPath)) {
    io.err(`photocap versions: no library database at ${loc.dbPath} (index some folders first: photocap index FOLDER)`)
    return 1
  }
  const db = openDatabase(loc.dbPath)
  try {
    if (sub === 'list') {
      const versions = listVersions(db)
      if (values.json)
        for (const v of versions)
          io.out(JSON.stringify({ id: v.id, name: v.name, state: v.state, active: v.active, createdAt: new Date(v.createdAt).toISOString(), error: v.error }))
      else if (versions.length === 0) io.out('no trained model versions yet (photocap train, or Train in the app)')
      else for (const v of versions) io.out(line(v))
      return 0
    }
    try {
      if (sub === 'revert') {
        const r = revertActive(db)
        io.out(
          r.activeVersion !== null
            ? `model version ${r.activeVersion} is active again`
            : `back to the model pack${r.activePack ? ` ${r.activePack}` : ' (the default)'}`,
        )
      } else if (rest[0] === 'pack') {
        // The API's training.activate({ versionId: 'pack' }): no trained version.
        if (listVersions(db).some((v) => v.active)) revertActive(db)
        io.out('using the model pack (no trained version)')
      } else {
        const v = activateVersion(db, versionId!)
        io.out(`model version ${v.id} (${v.name}) is active: new captions use it`)
      }
      return 0
    } catch (error) {
      io.err(`photocap versions ${sub}: ${(error as Error).message}`)
      return 1
    }
  } finally {
    db.close()
  }
}
