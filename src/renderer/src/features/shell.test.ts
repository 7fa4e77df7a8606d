import { fireEvent, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { sampleRoot } from '../../../shared/api-samples.ts'
import { FakeTransport } from '../lib/testing/fake-transport.ts'
import { renderApp } from '../lib/testing/render-app.ts'

function library(): FakeTransport {
  return new FakeTransport().reply('roots.list', [sampleRoot]).reply('folders.counts', [
    { rootId: 1, path: '/photos', count: 6 },
    { rootId: 1, path: '/photos/2019', count: 2 },
    { rootId: 1, path: '/photos/2019/July by the sea', count: 3 },
  ])
}

describe('app shell', () => {
  it('has a Menu button that shows and hides the sidebar on a narrow window, and folds it when a view is chosen', async () => {
    const { model } = await renderApp(library())
    const menu = screen.getByRole('button', { name: 'Menu' })
    expect(menu.getAttribute('aria-controls')).toBe('sidebar')
    expect(menu.getAttribute('aria-expanded')).toBe('false')
    await fireEvent.click(menu)
    expect(menu.getAttribute('aria-expanded')).toBe('true')
    expect(document.getElementById('sidebar')!.classList.contains('open')).toBe(true)
    await fireEvent.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('button', { name: 'Settings' }))
    expect(model.sidebarOpen).toBe(false)
    expect(menu.getAttribute('aria-expanded')).toBe('false')
    // Escape inside the open sidebar folds it and gives focus back to Menu.
    await fireEvent.click(menu)
    await fireEvent.keyDown(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('button', { name: 'Library' }), { key: 'Escape' })
    expect(model.sidebarOpen).toBe(false)
    expect(document.activeElement).toBe(menu)
  })

  it('shows folders as a tree with full paths on hover and counts that include subfolders', async () => {
    await renderApp(library())
    const nav = screen.getByRole('navigation', { name: 'Main' })
    const july = await within(nav).findByRole('button', { name: /^July by the sea/ })
    expect(july.getAttribute('title')).toBe('/photos/2019/July by the sea')
    const y2019 = within(nav).getByRole('button', { name: /^2019/ })
    expect(y2019.textContent).toContain('5')
    // Indented one level per folder above it.
    expect(parseFloat(july.style.paddingLeft)).toBeGreaterThan(parseFloat(y2019.style.paddingLeft))
  })

  it('names the folder shown in the heading, with breadcrumbs back up', async () => {
    const { model } = await renderApp(library())
    await fireEvent.click(await within(screen.getByRole('navigation', { name: 'Main' })).findByRole('button', { name: /^July by the sea/ }))
    expect(await screen.findByRole('heading', { level: 1, name: 'July by the sea' })).toBeTruthy()
    const crumbs = screen.getByRole('navigation', { name: 'Folder path' })
    expect(
      within(crumbs)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['All photos', 'photos', '2019'])
    await fireEvent.click(within(crumbs).getByRole('button', { name: '2019' }))
    await waitFor(() => expect(model.library.filter.folder).toBe('/photos/2019'))
    expect(await screen.findByRole('heading', { level: 1, name: '2019' })).toBeTruthy()
  })
})
