// Render the whole app over a fake transport, started as main.ts starts it.
import { cleanup, render } from '@testing-library/svelte'
import App from '../../App.svelte'
import { AppModel } from '../state/model.svelte.ts'
import { Drafts, memoryStorage } from '../state/drafts.ts'
import { GridPrefs } from '../state/grid-prefs.svelte.ts'
import { FakeTransport } from './fake-transport.ts'
import { fakeLayout } from './setup-dom.ts'

/** `drafts`: pass the same one to two renders to play a page reload. */
export async function renderApp(fake = new FakeTransport(), drafts = new Drafts(memoryStorage())) {
  // One app at a time: unmount the previous test's (vitest runs without globals, so no auto-cleanup).
  cleanup()
  fakeLayout()
  // Grid preferences start fresh for each render (no leftovers in the test page's localStorage).
  const model = new AppModel(fake, { drafts, gridPrefs: new GridPrefs(null) })
  model.search.debounceMs = 0
  const result = render(App, { props: { model } })
  await model.start()
  return { ...result, model, fake }
}
