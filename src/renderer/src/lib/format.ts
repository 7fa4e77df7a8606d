// Pure formatting for numbers people read: counts, rates, durations, sizes, dates.
// Numbers and dates follow the person's locale (the browser's language, or the
// system's in Electron): `locale` is left undefined except by tests.
const nf = new Intl.NumberFormat()

export const count = (n: number, locale?: string): string => (locale ? new Intl.NumberFormat(locale) : nf).format(n)

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`
}

export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating…'
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60 ? `${s % 60} s` : ''}`.trim()
  const h = Math.floor(m / 60)
  return `${h} h ${m % 60} min`
}

export function rate(perSecond: number | null, unit = 'photos'): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—'
  return `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)} ${unit}/s`
}

export function dateTaken(iso: string | null, locale?: string): string {
  if (!iso) return 'Date unknown'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return 'Date unknown'
  return d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
}

/** A grid month heading ("July 2019", "juillet 2019") from its "2019-07" key; other keys (no date) keep the engine's label. */
export function monthLabel(month: string, label: string, locale?: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month)
  if (!m) return label
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1))
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0
}

/** Split a snippet with [[marked]] parts into text segments for safe rendering. */
export function snippetParts(snippet: string): { text: string; mark: boolean }[] {
  const parts: { text: string; mark: boolean }[] = []
  const re = /\[\[(.*?)\]\]/g
  let last = 0
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > last) parts.push({ text: snippet.slice(last, m.index), mark: false })
    parts.push({ text: m[1] ?? '', mark: true })
    last = m.index + m[0].length
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), mark: false })
  return parts
}

/**
 * The one name of a photo whose file Photocap could not read (damaged,
 * incomplete, or a format it cannot decode): the grid's label, the status
 * badge, the filter and the alt text all say it this way.
 */
export const unreadableLabel = 'Could not be read'
/** What the photo view and the review flow say about such a file, before the technical reason. */
export const unreadableTitle = 'This file is damaged or incomplete'

/** The alt text of a photo in the grid: its caption, or what we know so far. */
export function altText(p: { caption: string | null; name: string; status: string; error: string | null }): string {
  if (p.caption) return p.caption
  if (p.status === 'failed') return `${p.name}: could not be read`
  if (p.status === 'missing') return `${p.name}: file missing`
  return `${p.name}: not captioned yet`
}
