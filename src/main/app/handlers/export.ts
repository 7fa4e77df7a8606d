// export.run: alt text for chosen photos or for a search's results, as CSV, JSON or XMP sidecars.
import { exportSearchResult } from '../../engine/export/export-search.ts'
import { exportAltText } from '../../engine/export/exporter.ts'
import type { HandlerDeps, HandlerSlice } from './common.ts'

export function exportHandlers(deps: Pick<HandlerDeps, 'engine'>): HandlerSlice<'export'> {
  const { engine } = deps
  return {
    'export.run': async ({ format, photoIds, query, outDir, sidecarNaming, csvFormulaGuard }) => {
      const naming = sidecarNaming === 'photo.xmp' ? 'base' : 'ext'
      const options = { format, outDir, sidecarNaming: naming, csvFormulaGuard: csvFormulaGuard ?? true } as const
      const report =
        query !== undefined && photoIds === undefined
          ? await exportSearchResult(engine.db, engine.search, query, options)
          : await exportAltText(engine.db, { ...options, ...(photoIds ? { photoIds } : {}) })
      return { written: report.written, path: report.path, tooLong: report.tooLong }
    },
  }
}
