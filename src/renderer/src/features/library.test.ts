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
      samplePhoto(
        offset + i + 1,
        offset + i === 2
          ? { status: 'failed', caption: null, provenance: null, error: 'Input file is truncated' }
          : offset + i === 1
            ? { provenance: 'user', caption: 'My own words.' }
            : {},
      ),
    ),
  }))
  return fake
}

/** The accessible description: the text of the elements aria-describedby names, in order. */
function description(el: HTMLElement): string {
  const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean)
  return ids
    .map((id) => document.getElementById(id)?.textContent?.trim() ?? '')
    .filter(Boolean)
    .join(' ')
}

describe('library grid semantics', () => {
  it('each month is a grid named "May 2024, 5 photos", with row and column positions; tiles are cells, not toggle buttons', async () => {
    await renderApp(library(5))
    const grid = await screen.findByRole('grid', { name: 'May 2024, 5 photos' })
    expect(grid.getAttribute('aria-multiselectable')).toBe('true')
    expect(grid.getAttribute('aria-rowcount')).toBe(String(Math.ceil(5 / Number(grid.getAttribute('aria-colcount')))))
    const rows = within(grid).getAllByRole('row')
    expect(rows[0]!.getAttribute('aria-rowindex')).toBe('1')
    const cells = within(rows[0]!).getAllByRole('gridcell')
    expect(cells.map((c) => c.getAttribute('aria-colindex'))).toEqual(cells.map((_, i) => String(i + 1)))
    expect(cells[0]!.getAttribute('aria-selected')).toBe('false')
    expect(cells[0]!.hasAttribute('aria-pressed')).toBe(false)
    expect(within(grid).queryAllByRole('button')).toEqual([])
    expect(screen.getByRole('heading', { name: 'May 2024, 5 photos' })).toBeTruthy()
  })

  it('a long caption gives a short tile name, and the whole caption is its description', async () => {
    const long = 'A golden retriever with a red collar runs along the wet sand of a wide beach at sunset while gulls lift off the water'
    const fake = library(1)
    fake.reply('photos.list', () => ({ total: 1, items: [samplePhoto(1, { caption: long })] }))
    await renderApp(fake)
    const cell = await screen.findByRole('gridcell', { name: 'A golden retriever with a red collar runs along the wet…' })
    expect(description(cell)).toBe(`${long} Enter opens a photo. Space or Control-click selects it, Shift selects a range, Escape clears the selection.`)
    expect(screen.getByRole('img', { name: long })).toBeTruthy()
  })

  it('the caption line under each tile is off at first, and the toolbar toggle shows it', async () => {
    const { model } = await renderApp(library(3))
    await screen.findByRole('gridcell', { name: 'A photo number 1 of a quiet street.' })
    expect(document.querySelector('.line')).toBeNull()
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Captions under photos' }))
    expect(model.gridPrefs.captions).toBe(true)
    await waitFor(() => expect(document.querySelector('.line')?.textContent).toBe('A photo number 1 of a quiet street.'))
  })

  it('the thumbnail size control gives fewer, larger tiles per row', async () => {
    const { model } = await renderApp(library(20))
    const grid = await screen.findByRole('grid', { name: 'May 2024, 20 photos' })
    const medium = Number(grid.getAttribute('aria-colcount'))
    await fireEvent.change(screen.getByRole('combobox', { name: 'Size' }), { target: { value: 'large' } })
    expect(model.gridPrefs.size).toBe('large')
    await waitFor(() => expect(Number(grid.getAttribute('aria-colcount'))).toBeLessThan(medium))
    await fireEvent.change(screen.getByRole('combobox', { name: 'Size' }), { target: { value: 'small' } })
    await waitFor(() => expect(Number(grid.getAttribute('aria-colcount'))).toBeGreaterThan(medium))
  })

  it('the sort control asks the engine for oldest first and says so in the grid region name', async () => {
    const { fake, model } = await renderApp(library(5))
    await screen.findByRole('region', { name: 'Photos, newest first' })
    await fireEvent.change(screen.getByRole('combobox', { name: 'Sort' }), { target: { value: 'oldest' } })
    await screen.findByRole('region', { name: 'Photos, oldest first' })
    expect(model.gridPrefs.order).toBe('oldest')
    await waitFor(() => expect(fake.callsOf('photos.timeline').at(-1)).toEqual({ filter: {}, order: 'oldest' }))
    await waitFor(() => expect(fake.callsOf('photos.list').at(-1)).toMatchObject({ order: 'oldest', offset: 0 }))
  })

  it('the status key names every mark the tiles show', async () => {
    await renderApp(library(3))
    await screen.findByRole('gridcell', { name: 'A photo number 1 of a quiet street.' })
    const key = screen.getByText('Status key').closest('details') as HTMLElement
    expect(
      within(key)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('strong')?.textContent),
    ).toEqual(['Yours', 'Queued', 'Processing', 'Could not be read', 'Missing', 'No mark'])
  })
})

describe('library grid', () => {
  it('shows photos as img elements whose alt is the caption, grouped by month', async () => {
    await renderApp(library(5))
    expect(await screen.findByRole('img', { name: 'A photo number 1 of a quiet street.' })).toBeTruthy()
    expect(screen.getByRole('img', { name: 'My own words.' })).toBeTruthy()
    expect(screen.getByRole('heading', { name: /May 2024/ })).toBeTruthy()
  })

  it('badges failures with their reason and user-written captions', async () => {
    await renderApp(library(5))
    const failed = await screen.findByRole('gridcell', { name: 'IMG_0003.jpg: could not be read' })
    expect(description(failed)).toMatch(/^IMG_0003\.jpg: could not be read\. Input file is truncated Enter opens/)
    expect(screen.getByRole('gridcell', { name: 'My own words. Yours' })).toBeTruthy()
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
    const first = await screen.findByRole('gridcell', { name: 'A photo number 1 of a quiet street.' })
    expect(first.tabIndex).toBe(0)
    first.focus()
    await fireEvent.keyDown(first, { key: 'ArrowRight' })
    await waitFor(() => expect(document.activeElement?.getAttribute('data-photo-id')).toBe('2'))
    await fireEvent.keyDown(document.activeElement as HTMLElement, { key: 'Enter' })
    await screen.findByRole('textbox', { name: 'Caption' })
    expect(fake.callsOf('photos.get')).toEqual([{ id: 2 }])
  })

  it('keys stop at the ends of the grid: no wrap, and a row down or up is the row as drawn', async () => {
    await renderApp(library(7))
    const grid = await screen.findByRole('grid', { name: 'May 2024, 7 photos' })
    // Five columns at the test window's width: rows 1–5 and 6–7.
    expect(grid.getAttribute('aria-colcount')).toBe('5')
    const tile = (id: number): HTMLElement => grid.querySelector<HTMLElement>(`[data-photo-id="${id}"]`)!
    const press = async (from: number, key: string): Promise<string | null | undefined> => {
      tile(from).focus()
      await fireEvent.keyDown(tile(from), { key })
      await new Promise((r) => setTimeout(r, 0))
      return document.activeElement?.getAttribute('data-photo-id')
    }
    await screen.findByRole('gridcell', { name: 'A photo number 7 of a quiet street.' })
    expect(await press(7, 'ArrowRight')).toBe('7')
    expect(await press(1, 'ArrowLeft')).toBe('1')
    // A row down from the last row, or up from the first, stays put.
    expect(await press(6, 'ArrowDown')).toBe('6')
    expect(await press(2, 'ArrowUp')).toBe('2')
    // No tile below in that column: the last tile of the shorter row below (a month's last row is
    // often short, and the next month starts under it: staying put would be a dead end).
    expect(await press(4, 'ArrowDown')).toBe('7')
    expect(await press(2, 'ArrowDown')).toBe('7')
    expect(await press(5, 'ArrowRight')).toBe('6')
    expect(await press(3, 'End')).toBe('7')
    expect(await press(3, 'Home')).toBe('1')
  })

  it('shows folders with counts in the sidebar and filters by folder', async () => {
    const fake = library(3)
    fake.reply('folders.counts', [
      { rootId: 1, path: '/photos', count: 3 },
      { rootId: 1, path: '/photos/holiday', count: 2 },
    ])
    await renderApp(fake)
    const nav = screen.getByRole('navigation', { name: 'Main' })
    const holiday = await within(nav).findByRole('treeitem', { name: 'holiday 2 photos' })
    await fireEvent.click(holiday.querySelector('.row')!)
    await waitFor(() => expect(fake.callsOf('photos.timeline').at(-1)).toEqual({ filter: { folder: '/photos/holiday' }, order: 'newest' }))
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
