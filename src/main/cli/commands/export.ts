// `photocap export --format csv|json|html|xmp [--out DIR] [--query QUERY] [--db FILE]
//                  [--sidecar-naming ext|base] [--no-formula-guard] [--pack DIR]`
// Captions as alt text (src/main/engine/export). csv/json/html write one file
// into --out (default: the current folder); xmp writes a sidecar per photo next
// to it (photo.jpg.xmp with ext, photo.xmp with base), or mirrored under --out.
// --query exports the photos a search finds, in its order. CSV cells that a
// spreadsheet would run as formulas get a leading ' unless --no-formula-guard
// (see [Note: CSV formula injection]).
import { parseArgs } from 'node:util'
import { SEARCH_QUERY_MAX_CHARS } from '../../../shared/api.ts'
import { EXPORT_FORMATS, exportAltText, type ExportFormat } from '../../engine/export/exporter.ts'
import { exportSearchResult } from '../../engine/export/export-search.ts'
import { openSearchSession } from '../search-session.ts'
import { resolveUserPath, type CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
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
  const format = values.format as ExportFormat | undefined
  if (!format || !EXPORT_FORMATS.includes(format)) {
    io.err(`photocap export: --format must be one of ${EXPORT_FORMATS.join(', ')}${values.format ? ` (got '${values.format}')` : ''}`)
    return 2
  }
  const naming = values['sidecar-naming'] ?? 'ext'
  if (naming !== 'ext' && naming !== 'base') {
    io.err(`photocap export: --sidecar-naming must be ext (photo.jpg.xmp) or base (photo.xmp), got '${naming}'`)
    return 2
  }
  if (values.query !== undefined && values.query.length > SEARCH_QUERY_MAX_CHARS) {
    io.err(`photocap export: --query is ${values.query.length} characters; at most ${SEARCH_QUERY_MAX_CHARS}`)
    return 2
  }
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
    io.out(`exported ${report.written} caption${report.written === 1 ? '' : 's'} as ${format} to ${where}${report.tooLong ? ` (${report.tooLong} longer than 250 characters, flagged)` : ''}`)
    return 0
  } finally {
    await session.close()
  }
}
