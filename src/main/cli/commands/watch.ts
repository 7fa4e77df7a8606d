// `photocap watch [--db FILE] [--no-ml]`: keep the library folders watched and
// processed until Ctrl-C or SIGTERM. Stopping aborts the batch in flight; its
// transaction never commits, so the jobs are simply done again next time.
import { parseCommandArgs } from '../args.ts'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation, loadMlService, progressLine, TINY_PACK_WARNING } from '../support.ts'
import type { MlService } from '../../ml/service.ts'
import type { CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, {
    usage: 'usage: photocap watch [--db FILE] [--pack DIR] [--no-ml]',
    options: { db: { type: 'string' }, 'no-ml': { type: 'boolean' }, pack: { type: 'string' } },
  })
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  let ml: MlService | null = null
  try {
    if (engine.roots.list().length === 0) {
      io.err('photocap watch: the library has no folders yet; add some with `photocap index FOLDER`')
      return 2
    }
    if (!values['no-ml']) {
      const settings = engine.settings.get()
      ml = await loadMlService({ packDir: values.pack ?? settings.activePack, dataDir: loc.dataDir, provider: settings.provider }, io.env)
      await engine.ml.use(ml)
      if (engine.ml.info()?.isTinyPack) io.err(`photocap watch: ${TINY_PACK_WARNING}`)
    }
    const stopped = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    engine.events.on('engine.errored', (e) => io.err(`photocap watch: ${e.message}`))
    engine.events.on('jobs.failed', (f) => io.err(`failed: ${f.path ?? `photo ${f.photoId}`}: ${f.error}`))
    if (io.interactive) engine.events.on('jobs.progressed', (p) => io.progress(`\r\x1b[2K${progressLine(p)}`))
    engine.events.on('jobs.drained', (d) => {
      if (io.interactive) io.progress('\r\x1b[2K')
      io.out(`up to date (${d.done} jobs done${d.failed ? `, ${d.failed} failed` : ''})`)
    })
    await engine.start({ watch: true })
    io.out(
      `watching ${engine.roots
        .list()
        .map((r) => r.path)
        .join(', ')} (Ctrl-C to stop)`,
    )
    const signal = await stopped
    io.err(`photocap watch: ${signal}, stopping`)
    return 0
  } finally {
    await engine.close()
    await ml?.close()
  }
}
