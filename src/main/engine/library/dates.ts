// [Note: dates taken are wall-clock]
// A camera records the local time on its clock ("2024:04:01 03:00:00") and,
// since EXIF 2.31, sometimes the offset from UTC ("+09:00"). We store that
// wall-clock time as if it were UTC (`takenAt`: milliseconds, "floating") and
// the offset beside it when known (`takenOffsetMinutes`). So the photo's own
// date (month and day words in search, date filters, month groups, what the
// photo view shows) is the date the photographer saw, on any machine in any
// zone, and never shifts with the indexing machine's TZ. The instant in UTC,
// when needed, is takenAt - offset.

export interface TakenDate {
  /** Local wall-clock time as UTC milliseconds (floating). */
  wallMs: number
  /** Minutes east of UTC, when the file says. */
  offsetMinutes: number | null
}

/** EXIF "YYYY:MM:DD HH:MM:SS" (also "-" or "/" separators, missing seconds), with SubSecTime and OffsetTime strings. */
export function parseExifDate(value: unknown, subSec?: unknown, offset?: unknown): TakenDate | null {
  if (typeof value !== 'string') return null
  const m = /^\s*(\d{4})[:\-/](\d{2})[:\-/](\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?/.exec(value)
  if (!m) return null
  const frac = typeof subSec === 'string' || typeof subSec === 'number' ? String(subSec).trim() : (m[7] ?? '')
  const wall = wallClock(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), frac)
  if (wall === null) return null
  return { wallMs: wall, offsetMinutes: parseOffset(offset) ?? parseOffset(m[8]) }
}

/** XMP / ISO 8601: "2024", "2024-04", "2024-04-01", "2024-04-01T03:00", "...:00.123+09:00", "...Z". */
export function parseIsoDate(value: unknown): TakenDate | null {
  if (typeof value !== 'string') return null
  const m = /^\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?)?)?\s*$/.exec(value)
  if (!m) return parseExifDate(value)
  const wall = wallClock(+m[1]!, +(m[2] ?? 1), +(m[3] ?? 1), +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7] ?? '')
  if (wall === null) return null
  return { wallMs: wall, offsetMinutes: parseOffset(m[8]) }
}

/** IPTC DateCreated "YYYYMMDD" (or with dashes) and TimeCreated "HHMMSS±HHMM". */
export function parseIptcDate(date: string | null, time: string | null): TakenDate | null {
  if (!date) return null
  const d = /^\s*(\d{4})[-:]?(\d{2})[-:]?(\d{2})/.exec(date)
  if (!d) return null
  const t = time ? /^\s*(\d{2}):?(\d{2}):?(\d{2})?\s*([+-]\d{2}:?\d{2}|Z)?/.exec(time) : null
  // IPTC dates with unknown month or day are written as 00.
  const wall = wallClock(+d[1]!, Math.max(1, +d[2]!), Math.max(1, +d[3]!), t ? +t[1]! : 0, t ? +t[2]! : 0, t ? +(t[3] ?? 0) : 0, '')
  if (wall === null) return null
  return { wallMs: wall, offsetMinutes: t ? parseOffset(t[4]) : null }
}

export function parseOffset(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 14) return Math.round(value * 60) // exiftool -n: hours
  if (typeof value !== 'string') return null
  const v = value.trim()
  if (v === 'Z') return 0
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(v)
  if (!m) return null
  const minutes = (+m[2]! * 60 + +m[3]!) * (m[1] === '-' ? -1 : 1)
  return Math.abs(minutes) <= 14 * 60 ? minutes : null
}

function wallClock(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string): number | null {
  // "0000:00:00 00:00:00" and other placeholders cameras write when the clock was never set.
  if (y < 1800 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null
  const digits = frac.replace(/\D/g, '').slice(0, 3).padEnd(3, '0')
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, digits === '' ? 0 : +digits)
  const back = new Date(ms)
  if (back.getUTCDate() !== d && h < 24) return null // 31 February
  return ms
}

/** The wall-clock time as an ISO string without zone ("2024-04-01T03:00:00.000"), or with its offset when `withOffset`. */
export function formatWallClock(wallMs: number, offsetMinutes: number | null = null, withOffset = false): string {
  const base = new Date(wallMs).toISOString().slice(0, 23)
  if (!withOffset || offsetMinutes === null) return base
  const sign = offsetMinutes < 0 ? '-' : '+'
  const a = Math.abs(offsetMinutes)
  return `${base}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`
}
