// `photocap list [--db FILE] [--json]`: every photo with its paths, caption,
// provenance and status (the API's words: queued, processing, done, failed,
// missing). `--json` prints one object per line:
// {"id","paths":[...],"caption","provenance","status","error",...}.
import { parseCommandArgs } from '../args.ts'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation } from '../support.ts'
import { photoState } from '../../engine/views/photo-filter.ts'
import type { CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, {
    usage: 'usage: photocap list [--db FILE] [--json]',
    options: { db: { type: 'string' }, json: { type: 'boolean' } },
  })
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  try {
    const pageSize = 1000
    const total = engine.photos.count()
    for (let offset = 0; offset < total; offset += pageSize) {
      // Let a pending EPIPE surface between pages (defaultIo then ends the command quietly).
      await new Promise((r) => setImmediate(r))
      for (const p of engine.photos.list({ limit: pageSize, offset, order: 'id' })) {
        const paths = p.paths.filter((x) => x.present).map((x) => x.path)
        const missingPaths = p.paths.filter((x) => !x.present).map((x) => x.path)
        // the state as the app and the API name it (queued, processing, done, failed, missing)
        const status = photoState(p)
        if (values.json) {
          io.out(
            JSON.stringify({
              id: p.id,
              paths,
              missingPaths,
              caption: p.caption,
              provenance: p.provenance,
              captionStale: p.captionStale,
              status,
              error: p.error,
              takenAt: p.takenAt,
              width: p.width,
              height: p.height,
            }),
          )
        } else {
          const where = paths[0] ?? missingPaths[0] ?? '?'
          const extra = paths.length > 1 ? ` (+${paths.length - 1} more)` : ''
          const caption = p.caption ? `${p.provenance === 'user' ? '[user] ' : ''}${p.caption}` : ''
          io.out(`${String(p.id).padStart(6)}  ${status.padEnd(11)}  ${where}${extra}${caption ? `  ${caption}` : ''}${p.error ? `  ERROR: ${p.error}` : ''}`)
        }
      }
    }
    return 0
  } finally {
    await engine.close()
  }
}
