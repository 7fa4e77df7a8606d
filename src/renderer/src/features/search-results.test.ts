import { fireEvent, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { samplePhoto } from '../../../shared/api-samples.ts'
import type { SearchResult } from '../../../shared/types.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'
import { SearchState } from '../lib/state/search.svelte.ts'
import { Announcer } from '../lib/state/announcer.svelte.ts'

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
    fake.reply('search.query', { hits: [{ photo: samplePhoto(1, { caption: 'Two boats at dawn.' }), score: 1, source: 'words', snippet: '/photos/[[holiday]]/IMG_0001.jpg' }], meaningPending: false })
    await renderApp(fake)
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'holiday' } })
    await screen.findByText('Two boats at dawn.', { selector: 'p' })
    expect(screen.getByText('IMG_0001.jpg')).toBeTruthy()
    expect(screen.queryByText(/\/photos\//)).toBeNull()
  })

  it('reaches results beyond the first 200', async () => {
    const fake = new FakeTransport()
    fake.reply('search.query', ({ limit }) => ({ hits: Array.from({ length: limit ?? 100 }, (_, i) => ({ photo: samplePhoto(i + 1), score: 1, source: 'meaning' as const, snippet: null })), meaningPending: false }))
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
