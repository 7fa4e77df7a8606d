import { describe, expect, it } from 'vitest'
import type { FolderListing } from '../../../../shared/types.ts'
import { FakeTransport } from '../testing/fake-transport.ts'
import { FolderBrowserState } from './folder-browser.svelte.ts'

const listing = (path: string): FolderListing => ({ path, parent: '/', entries: [], places: [{ name: 'Home', path: '/home/me' }] })

/** A backend whose folder listings answer only when the test says so, in any order. */
function slowListings(): { fake: FakeTransport; answer: (path: string | undefined) => void; asked: () => (string | undefined)[] } {
  const waiting = new Map<string | undefined, () => void>()
  const fake = new FakeTransport().reply('folders.browse', ({ path }) => {
    return new Promise<FolderListing>((resolve) => waiting.set(path, () => resolve(listing(path ?? '/home/me'))))
  })
  return {
    fake,
    answer: (path) => {
      waiting.get(path)?.()
      waiting.delete(path)
    },
    asked: () => [...waiting.keys()],
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

describe('the folder browser with a slow server', () => {
  it('a path typed before the home folder is listed is not replaced by it, and is the one used', async () => {
    const { fake, answer } = slowListings()
    const folders = new FolderBrowserState(fake)
    const chosen = folders.choose(false)
    await settle()
    folders.edit('/photos/Trip')
    answer(undefined) // the home folder arrives after the person typed
    await settle()
    expect(folders.typed).toBe('/photos/Trip')
    const used = folders.useTyped()
    await settle()
    answer('/photos/Trip')
    await used
    expect(await chosen).toBe('/photos/Trip')
  })

  it('"Use this folder" pressed while the home folder is still loading uses the typed path, whatever answers last', async () => {
    const { fake, answer } = slowListings()
    const folders = new FolderBrowserState(fake)
    const chosen = folders.choose(false)
    await settle()
    folders.edit('/photos/Trip')
    const used = folders.useTyped()
    await settle()
    answer('/photos/Trip')
    await settle()
    answer(undefined) // the stale home listing answers last
    await used
    expect(await chosen).toBe('/photos/Trip')
    expect(folders.listing?.path).toBe('/photos/Trip')
  })

  it('an untouched field follows the listing, so a folder picked below is the one used', async () => {
    const { fake, answer } = slowListings()
    const folders = new FolderBrowserState(fake)
    const chosen = folders.choose(false)
    await settle()
    answer(undefined)
    await settle()
    expect(folders.typed).toBe('/home/me')
    const browsing = folders.browse('/home/me/Pictures')
    await settle()
    answer('/home/me/Pictures')
    await browsing
    expect(folders.typed).toBe('/home/me/Pictures')
    await folders.useTyped()
    expect(await chosen).toBe('/home/me/Pictures')
  })
})
