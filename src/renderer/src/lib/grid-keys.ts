// Where a key moves the focus in a grid of `total` items laid out in `columns`
// columns: arrows by one or a row, Page keys by `pageRows` rows, Home and End to
// the ends. Null for any other key. Pure, for the library grid and search results.
export function gridMove(key: string, index: number, total: number, columns: number, pageRows: number): number | null {
  if (total <= 0) return null
  const moves: Record<string, number> = {
    ArrowRight: index + 1,
    ArrowLeft: index - 1,
    ArrowDown: index + columns,
    ArrowUp: index - columns,
    PageDown: index + columns * pageRows,
    PageUp: index - columns * pageRows,
    Home: 0,
    End: total - 1,
  }
  const next = moves[key]
  if (next === undefined) return null
  // A row down from the last row stays put rather than jumping; otherwise clamp to the ends.
  if ((key === 'ArrowDown' || key === 'ArrowUp') && (next < 0 || next >= total)) return index
  return Math.max(0, Math.min(total - 1, next))
}
