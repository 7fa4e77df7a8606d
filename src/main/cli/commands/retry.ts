// `photocap retry [PATH...] [--db FILE] [--pack DIR] [--no-ml]`: queue failed
// photos again (all of them, or those at PATH) and process them once, as the
// app's "Retry" does (engine.jobs.retry).
import { parseCommandArgs } from '../args.ts'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation, loadMlService } from '../support.ts'
import type { MlService } from '../../ml/service.ts'
import { resolveUserPath, type CliIo } from '../io.ts'
import { runToIdle } from './index-folders.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    usage: 'usage: photocap retry [PATH...] [--db FILE] [--pack DIR] [--no-ml]',
    positionals: true,
    options: { db: { type: 'string' }, pack: { type: 'string' }, 'no-ml': { type: 'boolean' } },
  })
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  let ml: MlService | null = null
  try {
    let ids: number[] | undefined
    if (positionals.length > 0) {
      ids = []
      for (const p of positionals) {
        const file = resolveUserPath(io, p)
        const id = engine.photos.idByPath(file)
        if (id === null) {
          io.err(`photocap retry: ${file} is not in the library`)
          return 1
        }
        ids.push(id)
      }
    }
    if (!values['no-ml']) {
      const settings = engine.settings.get()
      ml = await loadMlService(
        { packDir: values.pack ? resolveUserPath(io, values.pack) : settings.activePack, dataDir: loc.dataDir, provider: settings.provider },
        io.env,
      )
      await engine.ml.use(ml)
    }
    const queued = engine.jobs.retry(ids)
    if (queued === 0) {
      io.out('nothing to retry: no failed photo' + (ids ? ' among those given' : ''))
      return 0
    }
    await engine.start({ watch: false, scan: false })
    await runToIdle(engine, io, new AbortController().signal)
    const stillFailed = engine.status().byState.failed
    io.out(`${queued} photo${queued === 1 ? '' : 's'} tried again; ${stillFailed} failed in the library now`)
    for (const f of engine.jobs.failures(5)) io.err(`  failed: ${f.path ?? `photo ${f.photoId}`}: ${f.error}`)
    return 0
  } finally {
    await engine.close()
    await ml?.close()
  }
}
