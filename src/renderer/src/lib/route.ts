// Addresses for what is on screen, as hash routes, so Back/Forward, reload and
// links work in a browser and in Electron alike:
//   #/library            #/library?folder=/photos/2019
//   #/photo/12           #/photo/12?q=dog  (opened from search results)
//   #/search?q=dog       #/similar/12
//   #/review             #/review/12
//   #/activity  #/settings  #/training
// Pure: parsing and formatting only; lib/state/router.svelte.ts applies them.
export type Route =
  | { view: 'library'; folder?: string }
  | { view: 'photo'; id: number; folder?: string; q?: string }
  | { view: 'search'; q: string; folder?: string }
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
  if (route.view === 'search' || (route.view === 'photo' && route.q)) params.set('q', route.q ?? '')
  const query = params.toString()
  return `#/${path}${query ? `?${query}` : ''}`
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
  if (view === 'photo' && id !== null) return { view, id, ...(folder ? { folder } : {}), ...(q ? { q } : {}) }
  if (view === 'search' && q.trim() !== '') return { view, q, ...(folder ? { folder } : {}) }
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
