// Export what a search finds, in its order (the UI's "export these results" and
// `photocap export --query`). Meaning takes part when the text tower is loaded.
import type { LibraryDb } from '../db/database.ts'
import type { PhotoFilter } from '../views/photo-filter.ts'
import type { SearchService } from '../search/search-service.ts'
import { exportAltText, type ExportOptions, type ExportReport } from './exporter.ts'

export async function exportSearchResult(
  db: LibraryDb,
  search: SearchService,
  query: string,
  options: Omit<ExportOptions, 'photoIds'> & { filters?: PhotoFilter; limit?: number },
): Promise<ExportReport & { meaningNote: string | null }> {
  const found = await search.search(query, { limit: options.limit ?? 100_000, ...(options.filters ? { filters: options.filters } : {}) }).complete
  const report = await exportAltText(db, { ...options, photoIds: found.items.map((i) => i.photoId) })
  return { ...report, meaningNote: found.meaning === 'included' ? null : found.meaningNote }
}
