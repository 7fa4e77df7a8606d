// Addresses for what is on screen, as hash routes, so Back/Forward, reload and
// links work in a browser and in Electron alike:
//   #/library            #/library?folder=/photos/2019
//   #/photo/12           #/photo/12?q=dog  (opened from search results)
//   #/search?q=dog       #/search?q=dog&status=failed&from=2019-07-01&mine=1
//   #/similar/12
//   #/review             #/review/12
//   #/activity  #/settings  #/training
// Pure: parsing and formatting only; AppModel.applyRoute shows them.
import { CaptionFilter, PhotoStatus } from '../../../shared/api.ts'
import type { PhotoFilter } from '../../../shared/types.ts'

/** The search's filters an address keeps, so a reload or Back shows the same results (the folder has its own parameter). */
export type AddressFilter = Pick<PhotoFilter, 'status' | 'caption' | 'hasUserCaption' | 'camera' | 'from' | 'to'>

export type Route =
  | { view: 'library'; folder?: string }
  | { view: 'photo'; id: number; folder?: string; q?: string; filter?: AddressFilter }
  | { view: 'search'; q: string; folder?: string; filter?: AddressFilter }
  | { view: 'similar'; id: number }
  | { view: 'review'; id?: number }
  | { view: 'activity' }
  | { view: 'settings' }
  | { view: 'training' }

const simple = new Set(['activity', 'settings', 'training'])

export function formatRoute(route: Route): string {
  const params = new URLSearchParams()
  let path: string = route.view
  if (route.view === 'photo' || route.view === 'similar' || (route.view === 'review' && route.id !== undefined)) path += `/${route.id}`
  if ((route.view === 'library' || route.view === 'photo' || route.view === 'search') && route.folder) params.set('folder', route.folder)
  if (route.view === 'search' || (route.view === 'photo' && route.q)) {
    params.set('q', route.q ?? '')
    if (route.filter) writeFilter(params, route.filter)
  }
  const query = params.toString()
  return `#/${path}${query ? `?${query}` : ''}`
}

/** Only the address parts of a filter, or undefined when it has none (so an unfiltered route has no `filter`). */
export function addressFilter(filter: PhotoFilter): AddressFilter | undefined {
  const f: AddressFilter = {}
  if (filter.status) f.status = filter.status
  if (filter.caption) f.caption = filter.caption
  if (filter.hasUserCaption) f.hasUserCaption = true
  if (filter.camera) f.camera = filter.camera
  if (filter.from) f.from = filter.from
  if (filter.to) f.to = filter.to
  return Object.keys(f).length > 0 ? f : undefined
}

function writeFilter(params: URLSearchParams, f: AddressFilter): void {
  if (f.status) params.set('status', f.status)
  if (f.caption) params.set('caption', f.caption)
  if (f.hasUserCaption) params.set('mine', '1')
  if (f.camera) params.set('camera', f.camera)
  if (f.from) params.set('from', f.from)
  if (f.to) params.set('to', f.to)
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/

/** The filter an address names; a value that is not one the filter takes is dropped, never an error. */
function readFilter(params: URLSearchParams): AddressFilter | undefined {
  const status = PhotoStatus.safeParse(params.get('status'))
  const caption = CaptionFilter.safeParse(params.get('caption'))
  const camera = params.get('camera') ?? ''
  const from = params.get('from') ?? ''
  const to = params.get('to') ?? ''
  return addressFilter({
    ...(status.success ? { status: status.data } : {}),
    ...(caption.success ? { caption: caption.data } : {}),
    ...(params.get('mine') === '1' ? { hasUserCaption: true } : {}),
    ...(camera.trim() !== '' && camera.length <= 200 ? { camera } : {}),
    ...(isoDate.test(from) ? { from } : {}),
    ...(isoDate.test(to) ? { to } : {}),
  })
}

const positiveId = (s: string | undefined): number | null => {
  if (!s || !/^\d{1,15}$/.test(s)) return null
  const n = Number(s)
  return n > 0 ? n : null
}

/** An address's route; anything unknown or malformed is the library (never an error page). */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '')
  const [pathPart = '', query = ''] = raw.split('?', 2)
  const params = new URLSearchParams(query)
  const [view = '', idText] = pathPart.split('/')
  const folder = params.get('folder') || undefined
  const q = params.get('q') ?? ''
  const id = positiveId(idText)
  const filter = readFilter(params)
  const filtered = filter ? { filter } : {}
  if (view === 'photo' && id !== null) return { view, id, ...(folder ? { folder } : {}), ...(q ? { q, ...filtered } : {}) }
  if (view === 'search' && q.trim() !== '') return { view, q, ...(folder ? { folder } : {}), ...filtered }
  if (view === 'similar' && id !== null) return { view, id }
  if (view === 'review') return id !== null ? { view, id } : { view }
  if (simple.has(view)) return { view } as Route
  return folder ? { view: 'library', folder } : { view: 'library' }
}

/**
 * Whether going from one address to the next should replace the history entry
 * rather than add one: typing in the search box changes the query each key, and
 * one Back should leave the search, not remove one letter; likewise one Back
 * leaves the review, not one reviewed photo at a time.
 */
export function replacesEntry(from: Route, to: Route): boolean {
  return (from.view === 'search' && to.view === 'search') || (from.view === 'review' && to.view === 'review')
}
