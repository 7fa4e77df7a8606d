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
    const tree = screen.getByRole('tree', { name: 'Folders' })
    const july = await within(tree).findByRole('treeitem', { name: /^July by the sea/ })
    expect(july.getAttribute('title')).toBe('/photos/2019/July by the sea')
    const y2019 = within(tree).getByRole('treeitem', { name: /^2019 5 photos/ })
    expect(y2019.getAttribute('aria-level')).toBe('2')
    expect(july.getAttribute('aria-level')).toBe('3')
    // Nested: the subfolders are a group inside their folder's item.
    expect(july.parentElement?.getAttribute('role')).toBe('group')
    expect(july.parentElement?.parentElement).toBe(y2019)
    // Indented one level per folder above it.
    const pad = (item: HTMLElement): number => parseFloat((item.querySelector('.row') as HTMLElement).style.paddingLeft)
    expect(pad(july)).toBeGreaterThan(pad(y2019))
  })

  it('walks the folder tree with the keyboard: one tab stop, arrows move, Right and Left open and close, Enter shows the folder', async () => {
    const { model } = await renderApp(library())
    const tree = screen.getByRole('tree', { name: 'Folders' })
    await within(tree).findByRole('treeitem', { name: /^July by the sea/ })
    const items = (): HTMLElement[] => within(tree).getAllByRole('treeitem')
    const item = (name: RegExp): HTMLElement => within(tree).getByRole('treeitem', { name })
    // One tab stop, on the folder shown ("All photos").
    expect(items().filter((i) => i.tabIndex === 0)).toEqual([item(/^All photos/)])
    expect(item(/^All photos/).getAttribute('aria-selected')).toBe('true')
    expect(item(/^photos 6 photos/).getAttribute('aria-expanded')).toBe('true')
    expect(item(/^July/).hasAttribute('aria-expanded')).toBe(false)
    item(/^All photos/).focus()
    const press = async (key: string): Promise<void> => {
      await fireEvent.keyDown(document.activeElement as HTMLElement, { key })
      await new Promise((r) => setTimeout(r, 0))
    }
    await press('ArrowDown')
    expect(document.activeElement).toBe(item(/^photos 6 photos/))
    expect(items().filter((i) => i.tabIndex === 0)).toEqual([item(/^photos 6 photos/)])
    await press('ArrowRight')
    expect(document.activeElement).toBe(item(/^2019/))
    await press('ArrowLeft')
    expect(item(/^2019/).getAttribute('aria-expanded')).toBe('false')
    expect(within(tree).queryByRole('treeitem', { name: /^July/ })).toBeNull()
    await press('ArrowRight')
    expect(item(/^2019/).getAttribute('aria-expanded')).toBe('true')
    await press('End')
    expect(document.activeElement).toBe(item(/^July/))
    await press('ArrowLeft')
    expect(document.activeElement).toBe(item(/^2019/))
    await press('Home')
    expect(document.activeElement).toBe(item(/^All photos/))
    await press('j')
    expect(document.activeElement).toBe(item(/^July/))
    await press('Enter')
    await waitFor(() => expect(model.library.filter.folder).toBe('/photos/2019/July by the sea'))
    expect(item(/^July/).getAttribute('aria-selected')).toBe('true')
    expect(item(/^All photos/).getAttribute('aria-selected')).toBe('false')
    // The folder holding the one shown can be closed, and stays closed.
    await press('ArrowLeft')
    await press('ArrowLeft')
    await new Promise((r) => setTimeout(r, 10))
    expect(item(/^2019/).getAttribute('aria-expanded')).toBe('false')
    // A folder coming to be shown from elsewhere (an address, a breadcrumb) opens the folders above it.
    model.library.setFilter({})
    await waitFor(() => expect(item(/^All photos/).getAttribute('aria-selected')).toBe('true'))
    model.library.setFilter({ folder: '/photos/2019/July by the sea' })
    await waitFor(() => expect(item(/^2019/).getAttribute('aria-expanded')).toBe('true'))
    expect(item(/^July/).getAttribute('aria-selected')).toBe('true')
  })

  it('names the folder shown in the heading, with breadcrumbs back up', async () => {
    const { model } = await renderApp(library())
    await fireEvent.click(
      (await within(screen.getByRole('tree', { name: 'Folders' })).findByRole('treeitem', { name: /^July by the sea/ })).querySelector('.row')!,
    )
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
