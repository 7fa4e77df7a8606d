// `photocap status [--db FILE] [--json]`: counts by state, queued jobs and failures with reasons.
import { parseCommandArgs } from '../args.ts'
import { createEngine } from '../../engine/engine.ts'
import { libraryLocation } from '../support.ts'
import type { CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, {
    usage: 'usage: photocap status [--db FILE] [--json]',
    options: { db: { type: 'string' }, json: { type: 'boolean' } },
  })
  const loc = libraryLocation(io.env, io.cwd, values.db)
  const engine = await createEngine({ dbPath: loc.dbPath, dataDir: loc.dataDir, cacheDir: loc.cacheDir })
  try {
    const s = engine.status()
    if (values.json) {
      io.out(JSON.stringify({ database: loc.dbPath, ...s }))
      return 0
    }
    io.out(`library: ${loc.dbPath}`)
    for (const r of s.roots)
      io.out(`folder ${r.id}: ${r.path}${r.available ? '' : ' (unavailable)'}${r.exclude.length ? ` exclude ${r.exclude.join(' ')}` : ''}`)
    io.out(
      `photos: ${s.photos} (${Object.entries(s.byState)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    )
    io.out(`captions: ${s.userCaptions} by the user, ${s.staleCaptions} from an older model`)
    const queued = Object.entries(s.jobs.byKind).filter(([, c]) => c.queued + c.running > 0)
    io.out(`queued jobs: ${queued.length ? queued.map(([k, c]) => `${k} ${c.queued + c.running}`).join(', ') : 'none'}`)
    if (s.failures.length) {
      io.out(`failures (${s.byStatus.failed}):`)
      for (const f of s.failures) io.out(`  ${f.path ?? `photo ${f.photoId}`}: ${f.error}`)
    }
    return 0
  } finally {
    await engine.close()
  }
}
