// Exporting captions as alt text: the runner over the database and the file
// system. Formats: csv, json, html (one file in the output folder) and xmp
// (one sidecar per photo, next to the photo or mirrored under the output folder).
// Originals are only ever read (their paths come from the database); every file
// written is a new export file or a sidecar, written atomically (temp + rename).
import fs from 'node:fs'
import path from 'node:path'
import type { LibraryDb } from '../db/database.ts'
import { ALT_TEXT_LIMIT, makeRow, type ExportRow } from './alt-text.ts'
import { toCsv, toHtml, toJson } from './formats.ts'
import { hasUnrepresentableXml, MAX_SIDECAR_BYTES, mergeSidecar, newSidecar, sidecarPath, SidecarFormatError, type SidecarNaming } from './xmp.ts'

export type ExportFormat = 'csv' | 'json' | 'html' | 'xmp'
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'html', 'xmp']

export interface ExportOptions {
  format: ExportFormat
  /** csv/json/html: the folder for the export file (required). xmp: mirror sidecars here instead of next to the photos. */
  outDir?: string | null
  /** The photos to export, in this order; default every photo with a caption. */
  photoIds?: number[] | null
  /** xmp: `photo.jpg.xmp` (ext, default) or `photo.xmp` (base). */
  sidecarNaming?: SidecarNaming
  /** csv/json/html: file name; default photocap-alt-text.<format>. */
  fileName?: string
  /** csv: neutralise cells that spreadsheets would run as formulas (default true; see [Note: CSV formula injection]). */
  csvFormulaGuard?: boolean
}

export interface ExportSkip {
  photoId: number
  path: string | null
  reason: string
}

export interface ExportReport {
  format: ExportFormat
  /** Photos written (rows, or sidecars). */
  written: number
  /** The export file, or for xmp the output folder ('' when sidecars sit next to the photos). */
  path: string
  /** Every file written. */
  files: string[]
  /** Captions over the IPTC guidance of 250 characters (exported, and flagged). */
  tooLong: number
  skipped: ExportSkip[]
  warnings: string[]
}

interface PhotoRow {
  id: number
  text: string | null
  provenance: 'auto' | 'user' | null
  model_id: string | null
  root: string | null
  rel: string | null
}

/** The rows to export, in the order asked, with the reasons for photos left out. */
export function collectRows(db: LibraryDb, photoIds?: number[] | null): { rows: Array<ExportRow & { root: string; rel: string }>; skipped: ExportSkip[] } {
  const base = `SELECT ph.id, c.text, c.provenance, c.model_id,
      (SELECT r.path FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ph.id AND p.present = 1 ORDER BY p.id LIMIT 1) AS root,
      (SELECT p.rel_path FROM paths p WHERE p.photo_id = ph.id AND p.present = 1 ORDER BY p.id LIMIT 1) AS rel
    FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id`
  let photos: Array<PhotoRow | { id: number; missing: true }>
  if (photoIds) {
    const one = db.stmt(`${base} WHERE ph.id = ?`)
    photos = photoIds.map((id) => (one.get(id) as PhotoRow | undefined) ?? { id, missing: true as const })
  } else {
    photos = db.stmt(`${base} WHERE ph.caption_id IS NOT NULL ORDER BY ph.id`).all() as PhotoRow[]
  }
  const rows: Array<ExportRow & { root: string; rel: string }> = []
  const skipped: ExportSkip[] = []
  const seen = new Set<number>()
  for (const p of photos) {
    if (seen.has(p.id)) continue
    seen.add(p.id)
    if ('missing' in p) {
      skipped.push({ photoId: p.id, path: null, reason: 'no such photo in the library' })
      continue
    }
    const file = p.root !== null && p.rel !== null ? path.join(p.root, ...p.rel.split('/')) : null
    if (!p.text || !p.provenance) skipped.push({ photoId: p.id, path: file, reason: 'the photo has no caption yet' })
    else if (!file || p.root === null || p.rel === null) skipped.push({ photoId: p.id, path: null, reason: "none of the photo's files is present" })
    else
      rows.push({
        ...makeRow({ photoId: p.id, path: file, caption: p.text, provenance: p.provenance, model: p.provenance === 'auto' ? p.model_id : null }),
        root: p.root,
        rel: p.rel,
      })
  }
  return { rows, skipped }
}

/**
 * The existing sidecar's text, or null when there is none. A sidecar is
 * anyone's file: a symbolic link is never followed (it could point outside the
 * library, and replacing it would copy that file's contents into the photo
 * folder), anything but a regular file is left alone, and one over
 * MAX_SIDECAR_BYTES is refused before it is read. Each refusal names its reason.
 */
export function readExistingSidecar(target: string): string | null {
  let st: fs.Stats
  try {
    st = fs.lstatSync(target)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  if (st.isSymbolicLink()) throw new SidecarFormatError('it is a symbolic link (Photocap never follows or replaces sidecar links)')
  if (!st.isFile()) throw new SidecarFormatError('it is not a regular file')
  const tooBig = (size: number) => new SidecarFormatError(`it is ${size} bytes, over the ${MAX_SIDECAR_BYTES} bytes a sidecar may have`)
  if (st.size > MAX_SIDECAR_BYTES) throw tooBig(st.size)
  // O_NOFOLLOW closes the gap between lstat and open where the platform has it.
  const fd = fs.openSync(target, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0))
  try {
    const size = fs.fstatSync(fd).size
    if (size > MAX_SIDECAR_BYTES) throw tooBig(size)
    const buf = Buffer.alloc(size)
    let got = 0
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, got)
      if (n === 0) break
      got += n
    }
    return buf.subarray(0, got).toString('utf8')
  } finally {
    fs.closeSync(fd)
  }
}

function writeAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.photocap-${process.pid}.tmp`)
  fs.writeFileSync(tmp, content, 'utf8')
  try {
    fs.renameSync(tmp, file)
  } catch (error) {
    fs.rmSync(tmp, { force: true })
    throw error
  }
}

export async function exportAltText(db: LibraryDb, options: ExportOptions): Promise<ExportReport> {
  if (!EXPORT_FORMATS.includes(options.format)) throw new Error(`unknown export format '${String(options.format)}' (use ${EXPORT_FORMATS.join(', ')})`)
  const { rows, skipped } = collectRows(db, options.photoIds)
  const warnings: string[] = []
  const tooLong = rows.filter((r) => r.tooLong)
  for (const r of tooLong) warnings.push(`${r.path}: alt text is ${r.length} characters, over the IPTC guidance of ${ALT_TEXT_LIMIT}`)
  const report: ExportReport = { format: options.format, written: 0, path: '', files: [], tooLong: tooLong.length, skipped, warnings }

  if (options.format !== 'xmp') {
    if (!options.outDir) throw new Error(`--out DIR is required for ${options.format} exports`)
    const outDir = path.resolve(options.outDir)
    const file = path.join(outDir, options.fileName ?? `photocap-alt-text.${options.format}`)
    const content =
      options.format === 'csv'
        ? toCsv(rows, { formulaGuard: options.csvFormulaGuard ?? true })
        : options.format === 'json'
          ? toJson(rows)
          : toHtml(rows, outDir)
    writeAtomic(file, content)
    return { ...report, written: rows.length, path: file, files: [file] }
  }

  const naming = options.sidecarNaming ?? 'ext'
  const outDir = options.outDir ? path.resolve(options.outDir) : null
  const targets = new Map<string, number>()
  for (const r of rows) {
    const besidePhoto = sidecarPath(r.path, naming)
    const target = outDir ? path.join(outDir, path.basename(r.root), ...sidecarPath(r.rel, naming).split('/')) : besidePhoto
    if (path.resolve(target) === path.resolve(r.path)) {
      skipped.push({ photoId: r.photoId, path: r.path, reason: 'the sidecar name would be the photo itself' })
      continue
    }
    const other = targets.get(target)
    if (other !== undefined) {
      skipped.push({ photoId: r.photoId, path: r.path, reason: `photo ${other} already uses the sidecar ${target} (choose ext naming: photo.jpg.xmp)` })
      continue
    }
    if (hasUnrepresentableXml(r.caption)) warnings.push(`${r.path}: control characters XML cannot carry were left out of the sidecar`)
    try {
      const existing = readExistingSidecar(target)
      const xml = existing === null ? newSidecar(r.caption) : mergeSidecar(existing, r.caption)
      writeAtomic(target, xml)
      targets.set(target, r.photoId)
      report.files.push(target)
      report.written++
    } catch (error) {
      const why =
        error instanceof SidecarFormatError
          ? `existing sidecar ${target} left untouched: ${error.message}`
          : `could not write ${target}: ${error instanceof Error ? error.message : String(error)}`
      skipped.push({ photoId: r.photoId, path: r.path, reason: why })
    }
  }
  return { ...report, path: outDir ?? '' }
}
