import { describe, expect, it } from 'vitest'
import { anchorAt, buildLayout, fitTiles, groupRows, layoutMove, offsetOfAnchor, rowsInView, tabTarget, topOfIndex } from './grid-layout.ts'

const months = [
  { month: '2024-05', label: 'May 2024', count: 7 },
  { month: '2024-04', label: 'April 2024', count: 3 },
]

describe('grid layout', () => {
  it('lays out a header and ceil(count/columns) rows per month', () => {
    const l = buildLayout(months, 3, 100, 40)
    expect(l.rows.map((r) => (r.kind === 'header' ? `h:${r.label}` : `${r.start}+${r.count}@${r.top}`))).toEqual([
      'h:May 2024',
      '0+3@40',
      '3+3@140',
      '6+1@240',
      'h:April 2024',
      '7+3@380',
    ])
    expect(l.height).toBe(480)
  })

  it('finds exactly the rows in a window by binary search', () => {
    const l = buildLayout(months, 3, 100, 40)
    expect(rowsInView(l, 150, 260).map((r) => r.top)).toEqual([140, 240])
    expect(rowsInView(l, 0, 1)).toHaveLength(1)
    expect(rowsInView(l, 10_000, 20_000)).toEqual([])
  })

  it('finds the row of a photo index across months', () => {
    const l = buildLayout(months, 3, 100, 40)
    expect(topOfIndex(l, 0, 3, 100, 40)).toBe(40)
    expect(topOfIndex(l, 6, 3, 100, 40)).toBe(240)
    expect(topOfIndex(l, 8, 3, 100, 40)).toBe(380)
    expect(topOfIndex(l, 10, 3, 100, 40)).toBeNull()
  })

  it('stays cheap for 100,000 photos: only the rows in view are returned', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ month: `m${i}`, label: `M${i}`, count: (100_000 / 120) | 0 }))
    const l = buildLayout(many, 6, 180, 50)
    const inView = rowsInView(l, l.height / 2, l.height / 2 + 900)
    expect(inView.length).toBeLessThanOrEqual(7)
    expect(inView.length).toBeGreaterThan(3)
  })
})

describe('grid groups and the Tab target', () => {
  it('gathers the rows in view by month, each with its heading and row positions', () => {
    const l = buildLayout(months, 3, 100, 40)
    const g = groupRows(l, rowsInView(l, 150, 420))
    expect(g.map((x) => [x.month, x.rows, x.photoRows.map((r) => r.row)])).toEqual([
      ['2024-05', 3, [1, 2]],
      ['2024-04', 1, [0]],
    ])
    expect(g[0]!.top).toBe(0)
  })

  it('Tab reaches the remembered tile while it is rendered, else the first tile in view', () => {
    const l = buildLayout(months, 3, 100, 40)
    const rows = rowsInView(l, 0, 480)
    expect(tabTarget(4, rows, 0)).toBe(4)
    const far = rowsInView(l, 300, 480)
    expect(tabTarget(0, far, 300)).toBe(6)
    expect(tabTarget(0, rowsInView(l, 200, 480), 250)).toBe(6)
    expect(tabTarget(0, [], 0)).toBeNull()
  })

  it('keeps the row at the top across a re-layout, not the pixel offset', () => {
    const wide = buildLayout(months, 3, 100, 40)
    const narrow = buildLayout(months, 2, 80, 40)
    // Halfway into the row holding photos 3..5 (May 2024's second row) at three columns.
    const a = anchorAt(wide, 190)!
    expect(a).toEqual({ group: 0, start: 3, share: 0.5 })
    // At two columns photo 3 is in the row 1..3 → the row of 2..3 (top 120), halfway: 160.
    expect(offsetOfAnchor(narrow, a, 2, 80, 40)).toBe(160)
    // A month's heading stays a heading: April 2024's starts at 280 in the wide layout, 360 in the narrow one.
    const h = anchorAt(wide, 340)!
    expect(h).toEqual({ group: 1, start: null, share: 0 })
    expect(offsetOfAnchor(narrow, h, 2, 80, 40)).toBe(360)
    expect(offsetOfAnchor(wide, anchorAt(narrow, 360)!, 3, 100, 40)).toBe(340)
    expect(anchorAt(wide, 10_000)).toBeNull()
  })
})

describe('moving by the rows as drawn', () => {
  // 3 columns: May has rows [0 1 2] [3 4 5] [6], April [7 8 9], March [10 11]
  const l = buildLayout([...months, { month: '2024-03', label: 'March 2024', count: 2 }], 3, 100, 40)
  const move = (key: string, from: number, pageRows = 2): number | null => layoutMove(l, key, from, 12, 3, pageRows)

  it('goes down and up in the same column across a month break, not by index ± columns', () => {
    expect(move('ArrowDown', 5)).toBe(6) // the last column onto May's one-tile row: its only tile
    expect(move('ArrowDown', 4)).toBe(6)
    expect(move('ArrowDown', 6)).toBe(7) // May's last row to April's first, column 0 (index + 3 would be 9)
    expect(move('ArrowDown', 9)).toBe(11) // column 2 onto March's two tiles: the last of them
    expect(move('ArrowUp', 7)).toBe(6)
    expect(move('ArrowUp', 9)).toBe(6) // up from April's column 2: May's last row has only column 0
    expect(move('ArrowUp', 11)).toBe(8)
  })

  it('stays put at the first and last rows, and Page keys stop at them', () => {
    expect(move('ArrowUp', 1)).toBe(1)
    expect(move('ArrowDown', 10)).toBe(10)
    expect(move('PageDown', 1)).toBe(6) // two rows down is May's one-tile row
    expect(move('PageDown', 8, 10)).toBe(11)
    expect(move('PageUp', 11, 10)).toBe(1) // column 1 kept
  })

  it('leaves Left, Right, Home and End to the flat moves (no wrap at the ends)', () => {
    expect(move('ArrowRight', 6)).toBe(7)
    expect(move('ArrowRight', 11)).toBe(11)
    expect(move('Home', 9)).toBe(0)
    expect(move('End', 2)).toBe(11)
    expect(move('x', 2)).toBeNull()
  })
})

describe('fluid tiles', () => {
  it('fits as many columns of the minimum size as the width holds, then widens them to fill it', () => {
    // 4 × 168 + 3 × 8 = 696 fits in 700; 5 would need 872.
    expect(fitTiles(700, 168, 8)).toEqual({ columns: 4, tile: 169 })
    // Exactly the minimum.
    expect(fitTiles(696, 168, 8)).toEqual({ columns: 4, tile: 168 })
    expect(fitTiles(695, 168, 8)).toEqual({ columns: 3, tile: 226 })
    // Columns and gaps never overflow the width.
    for (const w of [200, 333, 999, 1391]) {
      const { columns, tile } = fitTiles(w, 116, 12)
      expect(columns * tile + (columns - 1) * 12).toBeLessThanOrEqual(w)
      expect(tile).toBeGreaterThanOrEqual(116)
    }
  })

  it('keeps one column, never narrower than 60 px, on a very narrow or unmeasured width', () => {
    expect(fitTiles(100, 168, 8)).toEqual({ columns: 1, tile: 100 })
    expect(fitTiles(0, 168, 8)).toEqual({ columns: 1, tile: 60 })
  })
})
