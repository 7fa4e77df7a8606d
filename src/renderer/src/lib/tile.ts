// What a photo tile says to a screen reader and shows on screen: a short name
// (the caption cut at a word, with its state), the full caption as the tile's
// description, and the state badge's words. One place, so the grid, the search
// results and the status legend say the same thing.
import type { PhotoStatus, Provenance } from '../../../shared/types.ts'
import { altText, unreadableLabel } from './format.ts'

/** Longest tile name before it is cut (a screen reader reads the rest as the description). */
export const SHORT_NAME = 60

/** The text cut at a word boundary to at most `max` characters, "…" marking the cut. */
export function shortText(text: string, max = SHORT_NAME): string {
  const t = text.trim().replace(/\s+/g, ' ')
  if (t.length <= max) return t
  const cut = t.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–-]+$/, '')}…`
}

export type BadgeKind = 'failed' | 'missing' | 'queued' | 'processing' | 'user'

export interface Badge {
  kind: BadgeKind
  /** A word or two: "Could not be read", "Yours". */
  text: string
  /** What it means, for the legend and the tooltip. */
  help: string
}

/** Every badge the grid can show, in legend order. */
export const BADGES: readonly Badge[] = [
  { kind: 'user', text: 'Yours', help: 'Caption written or edited by you' },
  { kind: 'queued', text: 'Queued', help: 'Waiting to be captioned' },
  { kind: 'processing', text: 'Processing', help: 'Being captioned now' },
  { kind: 'failed', text: unreadableLabel, help: 'The file is damaged or incomplete' },
  { kind: 'missing', text: 'Missing', help: 'The file is not where it was' },
]

/** The badge a photo shows, or null for an automatic caption (most photos: no badge). */
export function badgeOf(status: PhotoStatus, provenance: Provenance | null): Badge | null {
  const kind: BadgeKind | null =
    status === 'failed' || status === 'missing' || status === 'queued' || status === 'processing' ? status : provenance === 'user' ? 'user' : null
  return kind ? (BADGES.find((b) => b.kind === kind) ?? null) : null
}

type TilePhoto = { caption: string | null; name: string; status: PhotoStatus; provenance: Provenance | null; error: string | null }

/** The tile's accessible name: the caption cut short, then its state ("…, Yours"); an unreadable or missing file's text says its state already. */
export function tileName(p: TilePhoto): string {
  const badge = p.status === 'failed' || p.status === 'missing' ? null : badgeOf(p.status, p.provenance)
  const text = shortText(altText(p))
  if (!badge) return text
  return /[.!?]$/.test(text) ? `${text} ${badge.text}` : `${text}, ${badge.text}`
}

/** The tile's description: the full caption, and the reason a photo failed. */
export function tileDescription(p: TilePhoto): string {
  const text = altText(p)
  return p.status === 'failed' && p.error ? `${text}. ${p.error}` : text
}
