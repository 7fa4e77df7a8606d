// CSV, JSON and HTML renderings of export rows: pure functions from rows to text.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { exportable } from '../../../shared/text-safety.ts'
import { ALT_TEXT_LIMIT, type ExportRow } from './alt-text.ts'

// ---- CSV (RFC 4180: CRLF records, fields with quotes, commas or line breaks quoted, quotes doubled)
//
// [Note: CSV formula injection]
// Captions can come from files' embedded descriptions, and file names are
// anyone's: a cell beginning with = + - @ tab or CR is a formula to Excel,
// LibreOffice and Sheets (=HYPERLINK(...), DDE). As OWASP recommends, such a
// cell gets a leading ' (shown as text, not evaluated), and is quoted. On by
// default; `formulaGuard: false` (CLI --no-formula-guard, API csvFormulaGuard)
// writes cells unchanged for programs that read CSV as data.

const formulaStart = /^[=+\-@\t\r]/

export function csvField(value: string, formulaGuard = true): string {
  const text = exportable(value)
  const guarded = formulaGuard && formulaStart.test(text)
  const cell = guarded ? `'${text}` : text
  return guarded || /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell
}

export const CSV_COLUMNS = ['path', 'caption', 'provenance', 'model', 'length', 'too_long'] as const

export function toCsv(rows: ExportRow[], options: { formulaGuard?: boolean } = {}): string {
  const guard = options.formulaGuard ?? true
  const lines = [CSV_COLUMNS.join(',')]
  for (const r of rows) {
    lines.push([r.path, r.caption, r.provenance, r.model ?? '', String(r.length), r.tooLong ? 'yes' : 'no'].map((v) => csvField(v, guard)).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

/** Parse RFC 4180 CSV (used to read exports back in tests and for round-trip checks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += ch
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

// ---- JSON

export function toJson(rows: ExportRow[]): string {
  return (
    JSON.stringify(
      rows.map((r) => ({ path: r.path, caption: r.caption, provenance: r.provenance, model: r.model, length: r.length, tooLong: r.tooLong })),
      null,
      2,
    ) + '\n'
  )
}

// ---- HTML

/** Escape text for HTML element content and double- or single-quoted attributes (control characters dropped). */
export function escapeHtml(text: string): string {
  return exportable(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** The image's address relative to the HTML file when it lies below it, else a file: URL. */
export function imageSrc(photoPath: string, htmlDir: string): string {
  const rel = path.relative(htmlDir, photoPath)
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).map(encodeURIComponent).join('/')
  return pathToFileURL(photoPath).href
}

export function imgSnippet(r: ExportRow, htmlDir: string): string {
  return `<img src="${escapeHtml(imageSrc(r.path, htmlDir))}" alt="${escapeHtml(r.caption)}">`
}

export function toHtml(rows: ExportRow[], htmlDir: string): string {
  const items = rows.map((r) => {
    const snippet = imgSnippet(r, htmlDir)
    const warn = r.tooLong ? `<p class="warning">Alt text is ${r.length} characters; IPTC advises at most ${ALT_TEXT_LIMIT}.</p>` : ''
    return `  <figure>
    ${snippet}
    <figcaption>${escapeHtml(r.caption)} <small>(${escapeHtml(r.provenance === 'user' ? 'written by you' : `automatic, ${r.model ?? 'unknown model'}`)})</small></figcaption>
    <pre><code>${escapeHtml(snippet)}</code></pre>${warn}
  </figure>`
  })
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src file: data: *; style-src 'unsafe-inline'">
<title>Photocap alt text</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}figure{margin:0 0 2rem}img{max-width:320px;height:auto;display:block}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}.warning{color:#a00}</style>
</head>
<body>
<h1>Alt text</h1>
${items.join('\n')}
</body>
</html>
`
}
