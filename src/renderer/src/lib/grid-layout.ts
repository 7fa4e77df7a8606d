// Layout of the virtualised library grid, as pure arithmetic: months are groups
// with a header row and ceil(count / columns) rows of tiles. Only the rows in
// view are rendered; pages of photos are fetched for exactly those rows. With
// 100,000 photos this is ~17,000 small row records and a binary search per scroll.
import type { MonthGroup } from '../../../shared/types.ts'
import { gridMove } from './grid-keys.ts'

export type Row =
  | { kind: 'header'; top: number; height: number; label: string; count: number; month: string; group: number }
  /** `row` counts from 0 within its month (the grid's row position). */
  | { kind: 'photos'; top: number; height: number; start: number; count: number; group: number; row: number }

export interface GridLayout {
  rows: Row[]
  height: number
  /** Index of the first photo of each month, and the top of its header. */
  groups: { start: number; count: number; top: number; month: string; label: string; rows: number }[]
}

/**
 * Fluid tiles: as many columns of at least `minTile` px as fit in `width` with `gap`
 * between them, each then widened to fill the row (never below 60 px on a very narrow window).
 * The grid and the search results share it, so a size choice looks the same in both.
 */
export function fitTiles(width: number, minTile: number, gap: number): { columns: number; tile: number } {
  const columns = Math.max(1, Math.floor((width + gap) / (minTile + gap)))
  const tile = Math.max(60, Math.floor((width - gap * (columns - 1)) / columns))
  return { columns, tile }
}

export function buildLayout(months: readonly MonthGroup[], columns: number, rowHeight: number, headerHeight: number): GridLayout {
  const rows: Row[] = []
  const groups: GridLayout['groups'] = []
  let top = 0
  let start = 0
  for (const m of months) {
    if (m.count <= 0) continue
    const group = groups.length
    groups.push({ start, count: m.count, top, month: m.month, label: m.label, rows: Math.ceil(m.count / columns) })
    rows.push({ kind: 'header', top, height: headerHeight, label: m.label, count: m.count, month: m.month, group })
    top += headerHeight
    for (let i = 0; i < m.count; i += columns) {
      rows.push({ kind: 'photos', top, height: rowHeight, start: start + i, count: Math.min(columns, m.count - i), group, row: i / columns })
      top += rowHeight
    }
    start += m.count
  }
  return { rows, height: top, groups }
}

/** Rows overlapping [from, to) in pixels. */
export function rowsInView(layout: GridLayout, from: number, to: number): Row[] {
  const rows = layout.rows
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const r = rows[mid]!
    if (r.top + r.height <= from) lo = mid + 1
    else hi = mid
  }
  const out: Row[] = []
  for (let i = lo; i < rows.length; i++) {
    const r = rows[i]!
    if (r.top >= to) break
    out.push(r)
  }
  return out
}

/** Top of the row that holds photo `index` (for scrolling it into view). */
export function topOfIndex(layout: GridLayout, index: number, columns: number, rowHeight: number, headerHeight: number): number | null {
  const groups = layout.groups
  let lo = 0
  let hi = groups.length - 1
  if (hi < 0) return null
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (groups[mid]!.start <= index) lo = mid
    else hi = mid - 1
  }
  const g = groups[lo]!
  if (index < g.start || index >= g.start + g.count) return null
  return g.top + headerHeight + Math.floor((index - g.start) / columns) * rowHeight
}

export interface VisibleGroup {
  group: number
  month: string
  label: string
  count: number
  /** Top of the month's heading, and how many rows of tiles it has (the grid's row count). */
  top: number
  rows: number
  photoRows: Extract<Row, { kind: 'photos' }>[]
}

/**
 * The rows in view gathered by month, so each month renders as one grid
 * labelled by its heading; a month whose heading has scrolled away still gets
 * it (one element), so the grid keeps its name.
 */
export function groupRows(layout: GridLayout, rows: readonly Row[]): VisibleGroup[] {
  const out: VisibleGroup[] = []
  for (const r of rows) {
    let g = out[out.length - 1]
    if (!g || g.group !== r.group) {
      const info = layout.groups[r.group]!
      g = { group: r.group, month: info.month, label: info.label, count: info.count, top: info.top, rows: info.rows, photoRows: [] }
      out.push(g)
    }
    if (r.kind === 'photos') g.photoRows.push(r)
  }
  return out
}

/**
 * The tile that Tab reaches: the remembered one while it is rendered, else the
 * first tile in view (after scrolling with the mouse the remembered tile may be
 * far away and not rendered at all, and Tab would skip the grid).
 */
export function tabTarget(focusIndex: number, rows: readonly Row[], from: number): number | null {
  let first: number | null = null
  for (const r of rows) {
    if (r.kind !== 'photos') continue
    if (focusIndex >= r.start && focusIndex < r.start + r.count) return focusIndex
    if (first === null && r.top + r.height > from) first = r.start
  }
  return first
}

/**
 * Where the top of the viewport is, in terms of the library rather than pixels:
 * the row there (a month's heading or the row starting at a photo) and how far
 * into it, as a share of its height. It survives a re-layout (a resized window,
 * another tile size or text size), where the same pixel offset shows other years.
 */
export interface ScrollAnchor {
  group: number
  /** The first photo of the row at the top, or null for the month's heading. */
  start: number | null
  share: number
}

export function anchorAt(layout: GridLayout, at: number): ScrollAnchor | null {
  const row = rowsInView(layout, at, at + 1)[0]
  if (!row) return null
  const share = Math.min(1, Math.max(0, (at - row.top) / row.height))
  return { group: row.group, start: row.kind === 'photos' ? row.start : null, share }
}

/** The scroll offset that puts the anchored row back at the top of the viewport in this layout. */
export function offsetOfAnchor(layout: GridLayout, anchor: ScrollAnchor, columns: number, rowHeight: number, headerHeight: number): number | null {
  if (anchor.start === null) {
    const g = layout.groups[anchor.group]
    return g ? g.top + anchor.share * headerHeight : null
  }
  const top = topOfIndex(layout, anchor.start, columns, rowHeight, headerHeight)
  return top === null ? null : top + anchor.share * rowHeight
}

/**
 * Where a key moves the focus in the library grid, by its rows as they are drawn:
 * months start new rows, so a row up or down is the same column of the photo row
 * above or below (the last tile of a shorter row when the column is past its end),
 * never index ± columns, which lands in another column across a month break.
 * Up/Down at the first/last row stay put; Page keys stop at the first/last row.
 * Left, Right, Home and End are grid-keys.ts's, as in search results.
 */
export function layoutMove(layout: GridLayout, key: string, index: number, total: number, columns: number, pageRows: number): number | null {
  const rowsAway: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows }
  const away = rowsAway[key]
  if (away === undefined) return gridMove(key, index, total, columns, pageRows)
  const photoRows = layout.rows.filter((r): r is Extract<Row, { kind: 'photos' }> => r.kind === 'photos')
  const at = photoRows.findIndex((r) => index >= r.start && index < r.start + r.count)
  if (at < 0) return gridMove(key, index, total, columns, pageRows)
  const to = at + away
  if ((key === 'ArrowDown' || key === 'ArrowUp') && (to < 0 || to >= photoRows.length)) return index
  const target = photoRows[Math.max(0, Math.min(photoRows.length - 1, to))]!
  return target.start + Math.min(index - photoRows[at]!.start, target.count - 1)
}
