import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { samplePhoto, samplePhotoDetail } from '../../../shared/api-samples.ts'
import type { SearchResult } from '../../../shared/types.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'
import { SearchState } from '../lib/state/search.svelte.ts'
import { Announcer } from '../lib/state/announcer.svelte.ts'

describe('search results with the keyboard', () => {
  it('arrows move among the results; ‹ › in a photo opened from them follow the results; Escape returns to that result', async () => {
    const fake = new FakeTransport()
    const order = [5, 2, 9]
    fake.reply('search.query', {
      hits: order.map((id) => ({ photo: samplePhoto(id), score: 1, source: 'words' as const, snippet: null })),
      meaningPending: false,
    })
    fake.reply('photos.get', ({ id }) => samplePhotoDetail(id))
    await renderApp(fake)
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'street' } })
    const results = screen.getByRole('list', { name: 'Search results' })
    const first = await within(results).findByRole('button', { name: 'A photo number 5 of a quiet street.' })
    const tabStops = () =>
      within(results)
        .getAllByRole('button')
        .filter((b) => b.tabIndex === 0)
    expect(tabStops()).toEqual([first])
    first.focus()
    await fireEvent.keyDown(first, { key: 'ArrowRight' })
    await waitFor(() => expect(document.activeElement?.getAttribute('data-photo-id')).toBe('2'))
    expect(tabStops().map((b) => b.dataset.photoId)).toEqual(['2'])
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'End' })
    await waitFor(() => expect(document.activeElement?.getAttribute('data-photo-id')).toBe('9'))
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'Home' })
    await waitFor(() => expect(document.activeElement?.getAttribute('data-photo-id')).toBe('5'))

    // Open the second result: previous/next are the results' neighbours, not the library's.
    await fireEvent.click(within(results).getByRole('button', { name: 'A photo number 2 of a quiet street.' }))
    await screen.findByRole('textbox', { name: 'Caption' })
    expect(fake.callsOf('photos.neighbours')).toEqual([])
    await fireEvent.click(screen.getByRole('button', { name: 'Next photo' }))
    await waitFor(() => expect(fake.callsOf('photos.get').at(-1)).toEqual({ id: 9 }))
    await waitFor(() => expect((screen.getByRole('button', { name: 'Next photo' }) as HTMLButtonElement).disabled).toBe(true))
    expect((screen.getByRole('button', { name: 'Previous photo' }) as HTMLButtonElement).disabled).toBe(false)

    // Escape: back to the results, focus on the result now open (the third).
    await fireEvent.keyDown(document.body, { key: 'Escape' })
    await waitFor(() => expect(document.activeElement?.getAttribute('data-photo-id')).toBe('9'))
    expect(screen.getByRole('list', { name: 'Search results' })).toBeTruthy()
  })
})

describe('search results', () => {
  it('never flashes "No photos match" before the answer to what was typed arrives', async () => {
    const fake = new FakeTransport()
    let answer!: (r: SearchResult) => void
    fake.reply('search.query', () => new Promise<SearchResult>((resolve) => (answer = resolve)))
    await renderApp(fake)
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'dog' } })
    await screen.findByRole('heading', { name: 'Results for “dog”' })
    await waitFor(() => expect(fake.callsOf('search.query').length).toBe(1))
    expect(screen.queryByText(/No photos match/)).toBeNull()
    expect(screen.getByText(/Searching…/)).toBeTruthy()
    answer({ hits: [], meaningPending: false })
    await screen.findByText(/No photos match/)
  })

  it('shows the caption, not the path, when the folder name matched; the file name is secondary', async () => {
    const fake = new FakeTransport()
    fake.reply('search.query', {
      hits: [{ photo: samplePhoto(1, { caption: 'Two boats at dawn.' }), score: 1, source: 'words', snippet: '/photos/[[holiday]]/IMG_0001.jpg' }],
      meaningPending: false,
    })
    await renderApp(fake)
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'holiday' } })
    await screen.findByText('Two boats at dawn.', { selector: 'p' })
    expect(screen.getByText('IMG_0001.jpg')).toBeTruthy()
    expect(screen.queryByText(/\/photos\//)).toBeNull()
  })

  it('reaches results beyond the first 200', async () => {
    const fake = new FakeTransport()
    fake.reply('search.query', ({ limit }) => ({
      hits: Array.from({ length: limit ?? 100 }, (_, i) => ({ photo: samplePhoto(i + 1), score: 1, source: 'meaning' as const, snippet: null })),
      meaningPending: false,
    }))
    // The state alone: two hundred tiles are slow to lay out in jsdom.
    const search = new SearchState(fake, new Announcer())
    search.debounceMs = 0
    search.setText('street')
    await waitFor(() => expect(search.hits.length).toBe(200))
    expect(search.canShowMore).toBe(true)
    search.showMore()
    await waitFor(() => expect(search.hits.length).toBe(400))
    search.showMore()
    await waitFor(() => expect(search.hits.length).toBe(500))
    expect(search.canShowMore).toBe(false)
  })
})
