// `photocap index FOLDER... [--pack DIR] [--db FILE] [--no-ml]`: add folders to
// the library, process everything once (scan, thumbnails, embeddings,
// captions) and exit. Run again, it only does new or changed work: unchanged
// files are recognised by size and mtime, moved ones by content.
import { parseCommandArgs } from '../args.ts'
import { createEngine, type Engine } from '../../engine/engine.ts'
import { libraryLocation, loadMlService, progressLine, TINY_PACK_WARNING } from '../support.ts'
import type { MlService } from '../../ml/service.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

const help = `usage: photocap index FOLDER... [--pack DIR] [--db FILE] [--no-ml]

  --pack DIR   model pack to caption with (remembered as the library's active pack)
  --db FILE    library database (default: the application-data folder)
  --no-ml      only scan, hash, read EXIF and make thumbnails`

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: help,
    positionals: true,
    options: { pack: { type: 'string' }, db: { type: 'string' }, 'no-ml': { type: 'boolean' } },
  })
  const { values, positionals } = cli
  if (positionals.length === 0) cli.fail('no folder given')
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const folders = positionals.map((p) => resolveUserPath(io, p))
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  let ml: MlService | null = null
  const ac = new AbortController()
  const stop = (): void => ac.abort(new Error('interrupted'))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    if (!values['no-ml']) {
      const settings = engine.settings.get()
      const packDir = values.pack ? resolveUserPath(io, values.pack) : settings.activePack
      ml = await loadMlService({ packDir, dataDir: loc.dataDir, provider: settings.provider }, io.env)
      if (values.pack) engine.settings.set({ activePack: packDir })
      await engine.ml.use(ml)
      const info = engine.ml.info()!
      if (io.interactive) io.err(`model pack ${info.packName} on ${info.provider}${info.providerFallbackReason ? ` (${info.providerFallbackReason})` : ''}`)
      if (info.isTinyPack) io.err(`photocap index: ${TINY_PACK_WARNING}`)
    }
    for (const folder of folders) await engine.roots.add(folder)
    await engine.start({ watch: false })
    await runToIdle(engine, io, ac.signal)
    const s = engine.status()
    const failed = engine.jobs.failures(5)
    io.out(`${s.photos} photos in the library: ${s.byStatus.captioned} captioned, ${s.byStatus.failed} failed, ${s.missing} missing`)
    for (const f of failed) io.err(`  failed: ${f.path ?? `photo ${f.photoId}`}: ${f.error}`)
    if (s.byStatus.failed > failed.length) io.err(`  ... and ${s.byStatus.failed - failed.length} more (photocap status)`)
    return 0
  } catch (error) {
    if (ac.signal.aborted) {
      io.err('photocap index: interrupted; the work done so far is kept, run again to continue')
      return 130
    }
    throw error
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    await engine.close()
    await ml?.close()
  }
}

/** Wait for the queue to drain, drawing a progress bar when a person is watching. */
export async function runToIdle(engine: Engine, io: CliIo, signal: AbortSignal): Promise<void> {
  let last = ''
  const draw = (): void => {
    const line = progressLine(engine.jobs.status())
    if (line === last) return
    last = line
    io.progress(`\r\x1b[2K${line}`)
  }
  const timer = io.interactive ? setInterval(draw, 250) : null
  try {
    await engine.jobs.whenIdle(signal)
  } finally {
    if (timer) {
      clearInterval(timer)
      draw()
      io.progress('\n')
    }
  }
}
