// `photocap export --format csv|json|html|xmp [--out DIR] [--query QUERY] [--db FILE]
//                  [--sidecar-naming ext|base] [--no-formula-guard] [--pack DIR]`
// Captions as alt text (src/main/engine/export). csv/json/html write one file
// into --out (default: the current folder); xmp writes a sidecar per photo next
// to it (photo.jpg.xmp with ext, photo.xmp with base), or mirrored under --out.
// --query exports the photos a search finds, in its order. CSV cells that a
// spreadsheet would run as formulas get a leading ' unless --no-formula-guard
// (see [Note: CSV formula injection]).
import { parseCommandArgs } from '../args.ts'
import { SEARCH_QUERY_MAX_CHARS } from '../../../shared/api.ts'
import { EXPORT_FORMATS, exportAltText } from '../../engine/export/exporter.ts'
import { exportSearchResult } from '../../engine/export/export-search.ts'
import { openSearchSession } from '../search-session.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

const USAGE =
  'usage: photocap export --format csv|json|html|xmp [--out DIR] [--query QUERY] [--db FILE] [--sidecar-naming ext|base] [--no-formula-guard] [--pack DIR]'

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: USAGE,
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      query: { type: 'string' },
      db: { type: 'string' },
      'sidecar-naming': { type: 'string' },
      'no-formula-guard': { type: 'boolean' },
      pack: { type: 'string' },
    },
  })
  const { values } = cli
  const format = cli.choice('format', EXPORT_FORMATS) ?? cli.fail(`--format is required: one of ${EXPORT_FORMATS.join(', ')}`)
  // ext: photo.jpg.xmp, base: photo.xmp
  const naming = cli.choice('sidecar-naming', ['ext', 'base']) ?? 'ext'
  if (values.query !== undefined && values.query.length > SEARCH_QUERY_MAX_CHARS)
    cli.fail(`--query is ${values.query.length} characters; at most ${SEARCH_QUERY_MAX_CHARS}`)
  const outDir = values.out !== undefined ? resolveUserPath(io, values.out) : format === 'xmp' ? null : io.cwd
  const session = await openSearchSession({ env: io.env, cwd: io.cwd, db: values.db, pack: values.pack, meaning: values.query !== undefined })
  try {
    const options = { format, outDir, sidecarNaming: naming, csvFormulaGuard: !values['no-formula-guard'] } as const
    let report
    if (values.query !== undefined) {
      report = await exportSearchResult(session.engine.db, session.search, values.query, options)
      if (report.meaningNote) io.err(`photocap export: --query used words only: ${report.meaningNote}`)
    } else report = await exportAltText(session.engine.db, options)
    for (const w of report.warnings) io.err(`warning: ${w}`)
    for (const s of report.skipped) io.err(`skipped ${s.path ?? `photo ${s.photoId}`}: ${s.reason}`)
    const where = format === 'xmp' ? (report.path ? `sidecars under ${report.path}` : 'sidecars next to the photos') : report.path
    io.out(
      `exported ${report.written} caption${report.written === 1 ? '' : 's'} as ${format} to ${where}${report.tooLong ? ` (${report.tooLong} longer than 250 characters, flagged)` : ''}`,
    )
    return 0
  } finally {
    await session.close()
  }
}
