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
    items: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => samplePhoto(offset + i + 1)),
  }))
  return fake
}

const tile = (n: number) => screen.findByRole('gridcell', { name: `A photo number ${n} of a quiet street.` })

describe('library selection', () => {
  it('exports exactly the photos picked with Ctrl+click, to the folder chosen', async () => {
    const { fake } = await renderApp(library(5))
    await fireEvent.click(await tile(2), { ctrlKey: true })
    await fireEvent.click(await tile(4), { metaKey: true })
    expect((await tile(2)).getAttribute('aria-selected')).toBe('true')
    expect((await tile(4)).getAttribute('aria-selected')).toBe('true')
    expect((await tile(3)).getAttribute('aria-selected')).toBe('false')
    expect(fake.callsOf('photos.get')).toEqual([])
    const bar = screen.getByRole('group', { name: 'Selection' })
    expect(within(bar).getByText('2 selected')).toBeTruthy()
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('2 selected'))

    await fireEvent.click(within(bar).getByRole('button', { name: 'Export…' }))
    await fireEvent.click(screen.getByRole('button', { name: 'Export 2 to a folder…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Choose a folder' })
    await within(dialog).findByRole('list', { name: 'Folders in /photos' })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Use this folder' }))
    await waitFor(() => expect(fake.callsOf('export.run')).toEqual([{ format: 'csv', photoIds: [2, 4], outDir: '/photos' }]))
    expect(await screen.findByText(/Exported 3 captions to \/tmp\/out\/captions\.csv/)).toBeTruthy()
  })

  it('Shift+click picks a range and Space toggles the focused photo', async () => {
    await renderApp(library(5))
    await fireEvent.click(await tile(2), { ctrlKey: true })
    await fireEvent.click(await tile(4), { shiftKey: true })
    expect(screen.getByRole('group', { name: 'Selection' }).textContent).toContain('3 selected')
    const third = await tile(3)
    await fireEvent.keyDown(third, { key: ' ' })
    expect(third.getAttribute('aria-selected')).toBe('false')
    expect(screen.getByRole('group', { name: 'Selection' }).textContent).toContain('2 selected')
  })

  it('the round check a tile shows on hover picks it without opening it', async () => {
    const { fake } = await renderApp(library(5))
    const second = await tile(2)
    await fireEvent.click(second.querySelector('.check') as HTMLElement)
    expect(second.getAttribute('aria-selected')).toBe('true')
    expect(screen.getByRole('group', { name: 'Selection' }).textContent).toContain('1 selected')
    expect(fake.callsOf('photos.get')).toEqual([])
    await fireEvent.click(second.querySelector('.check') as HTMLElement)
    expect(second.getAttribute('aria-selected')).toBe('false')
  })

  it('a plain click still opens the photo, and does not select it', async () => {
    const { fake } = await renderApp(library(5))
    await fireEvent.click(await tile(3))
    await screen.findByRole('textbox', { name: 'Caption' })
    expect(fake.callsOf('photos.get')).toEqual([{ id: 3 }])
    expect(screen.queryByRole('group', { name: 'Selection' })).toBeNull()
  })

  it('Escape and "Clear selection" clear the selection', async () => {
    await renderApp(library(5))
    const first = await tile(1)
    await fireEvent.click(first, { ctrlKey: true })
    await fireEvent.click(await tile(2), { ctrlKey: true })
    await fireEvent.keyDown(first, { key: 'Escape' })
    expect(screen.queryByRole('group', { name: 'Selection' })).toBeNull()
    expect(first.getAttribute('aria-selected')).toBe('false')
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Selection cleared'))

    await fireEvent.click(first, { ctrlKey: true })
    await fireEvent.click(within(screen.getByRole('group', { name: 'Selection' })).getByRole('button', { name: 'Clear selection' }))
    expect(screen.queryByRole('group', { name: 'Selection' })).toBeNull()
  })
})
