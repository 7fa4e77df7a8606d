// The year index beside the library grid: the years present in the grid's month
// groups (in the grid's own order), each with the first month it starts at, and
// which year the person is scrolled into. Pure, over grid-layout's groups.

export interface YearMark {
  year: string
  /** Index of the first photo of the year's first month in the grid, and the top of that month's heading. */
  start: number
  top: number
}

/** One mark per year, at its first month in grid order; undated photos (no 'YYYY-MM' key) have no year. */
export function yearMarks(groups: readonly { month: string; start: number; top: number }[]): YearMark[] {
  const out: YearMark[] = []
  const seen = new Set<string>()
  for (const g of groups) {
    const m = /^(\d{4})-\d{2}$/.exec(g.month)
    if (!m || seen.has(m[1]!)) continue
    seen.add(m[1]!)
    out.push({ year: m[1]!, start: g.start, top: g.top })
  }
  return out
}

/**
 * The year being looked at: the last mark whose first heading is at or above
 * `at` (the top of the view, below anything pinned there); the first year
 * before any is reached; null when there are no years (or once past the
 * dated photos into the undated group, which starts at `undatedTop`).
 */
export function currentYear(marks: readonly YearMark[], at: number, undatedTop: number | null = null): string | null {
  if (marks.length === 0) return null
  if (undatedTop !== null && at >= undatedTop) return null
  let current = marks[0]!.year
  for (const m of marks) {
    if (m.top <= at) current = m.year
    else break
  }
  return current
}
