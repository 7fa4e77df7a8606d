import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { samplePhoto } from '../../../shared/api-samples.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

function library(total: number) {
  const fake = new FakeTransport()
  fake.reply('photos.timeline', { total, months: [{ month: '2024-05', label: 'May 2024', count: total }] })
  fake.reply('photos.list', ({ offset, limit }) => ({
    total,
    items: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) =>
      samplePhoto(offset + i + 1, offset + i === 2 ? { status: 'failed', caption: null, provenance: null, error: 'Input file is truncated' } : offset + i === 1 ? { provenance: 'user', caption: 'My own words.' } : {}),
    ),
  }))
  return fake
}

describe('library grid', () => {
  it('shows photos as img elements whose alt is the caption, grouped by month', async () => {
    await renderApp(library(5))
    expect(await screen.findByRole('img', { name: 'A photo number 1 of a quiet street.' })).toBeTruthy()
    expect(screen.getByRole('img', { name: 'My own words.' })).toBeTruthy()
    expect(screen.getByRole('heading', { name: /May 2024/ })).toBeTruthy()
  })

  it('badges failures with their reason and user-written captions', async () => {
    await renderApp(library(5))
    const failed = await screen.findByRole('button', { name: /IMG_0003\.jpg: could not be read.*Could not be read: Input file is truncated/ })
    expect(failed).toBeTruthy()
    expect(screen.getByRole('button', { name: /My own words\. Yours/ })).toBeTruthy()
  })

  it('virtualises: 100,000 photos render only the rows in view and fetch only their pages', async () => {
    const { fake } = await renderApp(library(100_000))
    await screen.findByRole('img', { name: 'A photo number 1 of a quiet street.' })
    expect(screen.getAllByRole('img').length).toBeLessThan(200)
    const offsets = fake.callsOf('photos.list').map((i) => (i as { offset: number }).offset)
    expect(Math.max(...offsets)).toBeLessThan(1000)
  })

  it('moves focus with the arrow keys and opens a photo with Enter', async () => {
    const { fake } = await renderApp(library(5))
    const first = await screen.findByRole('button', { name: 'A photo number 1 of a quiet street.' })
    expect(first.tabIndex).toBe(0)
    first.focus()
    await fireEvent.keyDown(first, { key: 'ArrowRight' })
    await waitFor(() => expect(document.activeElement?.getAttribute('data-photo-id')).toBe('2'))
    await fireEvent.click(document.activeElement as HTMLElement)
    await screen.findByRole('textbox', { name: 'Caption' })
    expect(fake.callsOf('photos.get')).toEqual([{ id: 2 }])
  })

  it('shows folders with counts in the sidebar and filters by folder', async () => {
    const fake = library(3)
    fake.reply('folders.counts', [
      { rootId: 1, path: '/photos', count: 3 },
      { rootId: 1, path: '/photos/holiday', count: 2 },
    ])
    await renderApp(fake)
    const nav = screen.getByRole('navigation', { name: 'Main' })
    const holiday = await within(nav).findByRole('button', { name: /holiday/ })
    expect(holiday.textContent).toContain('2')
    await fireEvent.click(holiday)
    await waitFor(() => expect(fake.callsOf('photos.timeline').at(-1)).toEqual({ filter: { folder: '/photos/holiday' } }))
  })

  it('refreshes when the backend says photos were added', async () => {
    const fake = library(2)
    const { model } = await renderApp(fake)
    await screen.findByRole('img', { name: 'A photo number 1 of a quiet street.' })
    fake.reply('photos.timeline', { total: 3, months: [{ month: '2024-05', label: 'May 2024', count: 3 }] })
    fake.reply('photos.list', { total: 3, items: [samplePhoto(1), samplePhoto(2), samplePhoto(3, { caption: 'A new arrival.' })] })
    fake.emit('photos.added', { ids: [3] })
    expect(await screen.findByRole('img', { name: 'A new arrival.' }, { timeout: 2000 })).toBeTruthy()
    expect(model.library.total).toBe(3)
  })
})
