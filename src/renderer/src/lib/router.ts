// The address bar side of routing: write the route of what is on screen into
// the hash (a new history entry per place, replaced while typing a search),
// and apply the hash when the person goes Back/Forward or edits the address.
import { formatRoute, parseRoute, replacesEntry, type Route } from './route.ts'

type Win = Pick<Window, 'location' | 'history' | 'addEventListener' | 'removeEventListener'>

export function writeRoute(route: Route, win: Win = window): void {
  const next = formatRoute(route)
  const now = win.location.hash
  if (now === next) return
  // The first address (no hash yet) and search-as-you-type replace; every other move is a step Back can undo.
  if (now === '' || now === '#' || replacesEntry(parseRoute(now), route)) win.history.replaceState(win.history.state, '', next)
  else win.history.pushState(null, '', next)
}

/** Apply the address whenever it changes under us; returns the function that stops listening. */
export function followAddress(apply: (route: Route) => unknown, win: Win = window): () => void {
  const onChange = (): void => void apply(parseRoute(win.location.hash))
  win.addEventListener('hashchange', onChange)
  return () => win.removeEventListener('hashchange', onChange)
}

export const currentRoute = (win: Pick<Window, 'location'> = window): Route => parseRoute(win.location.hash)
