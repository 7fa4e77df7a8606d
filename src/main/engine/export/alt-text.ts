// What an export carries per photo, and the IPTC length guidance.
//
// [Note: alt text length]
// IPTC's guidance for Alt Text (Accessibility) is at most 250 characters
// (screen readers and platforms truncate longer text); longer text is still
// exported exactly, but flagged: a `too_long` column / field and a warning.
// Characters are counted as Unicode code points, as a person would count them.

export const ALT_TEXT_LIMIT = 250

export interface ExportRow {
  photoId: number
  /** Absolute path of the photo's file. */
  path: string
  caption: string
  provenance: 'auto' | 'user'
  /** The caption model id for automatic captions; null for the user's own. */
  model: string | null
  /** Length in code points. */
  length: number
  tooLong: boolean
}

export function altTextLength(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

export function makeRow(r: Omit<ExportRow, 'length' | 'tooLong'>): ExportRow {
  const length = altTextLength(r.caption)
  return { ...r, length, tooLong: length > ALT_TEXT_LIMIT }
}
