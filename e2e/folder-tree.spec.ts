/// <reference lib="dom" />
// The sidebar's folders as a tree, walked with the keyboard only: Debian's
// Chromium against a real `photocap serve`, a library of a few folders two
// levels deep. The WAI-ARIA tree pattern: roles and levels, one tab stop,
// arrows, Home and End, Right and Left opening and closing, Enter showing the
// folder. Steps share the library and run in order; waits are on states of
// the page, never on time.
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { addFolderAndStart, startLibrary, type Library } from './support/library.ts'
import { lookAt, type Violation } from './support/audit.ts'
import { writePhoto } from './support/photos.ts'

const WAIT = { timeout: 150_000 }
// Photos per folder, below the watched folder "Trips" (which holds two of its own).
const LAYOUT: Record<string, number> = {
  '.': 2,
  '2019': 1,
  '2019/July by the sea': 3,
  '2019/Winter': 1,
  '2020': 2,
  '2020/Mountains': 2,
  Family: 1,
}
const TOTAL = Object.values(LAYOUT).reduce((a, b) => a + b, 0)

let photosDir: string
let lib: Library
let page: Page
const violations: Violation[] = []

const tree = (): ReturnType<Page['getByRole']> => page.getByRole('tree', { name: 'Folders' })
const item = (name: string | RegExp): ReturnType<Page['getByRole']> => tree().getByRole('treeitem', { name })
const grid = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Photos, newest first' })
/** What has focus: its role, and its accessible name as the browser computes it (Playwright's aria snapshot). */
const focused = async (): Promise<{ role: string | null; name: string | null }> => {
  const role = await page.evaluate(() => document.activeElement?.getAttribute('role') ?? null)
  if (role !== 'treeitem') return { role, name: null }
  const snapshot = await page.locator(':focus').ariaSnapshot()
  return { role, name: /^- treeitem "([^"]*)"/.exec(snapshot)?.[1] ?? null }
}
const focusedName = async (): Promise<string | null> => (await focused()).name
/** The folder in the address (the engine's folder paths may end in a separator). */
const folderInAddress = (): string | null => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '').get('folder')?.replace(/[\\/]$/, '') ?? null
const press = async (key: string): Promise<void> => page.keyboard.press(key)
/** Tab from the top of the page until focus is in the tree. */
async function tabIntoTree(): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  for (let i = 0; i < 40 && (await focused()).role !== 'treeitem'; i++) await press('Tab')
}

describe.skipIf(!haveChromium)('the folder tree (Chromium against photocap serve)', () => {
  beforeAll(async () => {
    lib = await startLibrary('tree', {
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'Trips')
        let hue = 0
        for (const [dir, n] of Object.entries(LAYOUT)) {
          fs.mkdirSync(path.join(photosDir, dir), { recursive: true })
          for (let i = 0; i < n; i++) await writePhoto(path.join(photosDir, dir, `photo-${++hue}.jpg`), hue * 0.9)
        }
      },
      viewport: { width: 1440, height: 900 },
    })
    page = lib.page
    await addFolderAndStart(page, photosDir)
    // Every photo found, and every folder in the tree.
    await item(`All photos ${TOTAL} photos`).waitFor(WAIT)
    await item(`Trips ${TOTAL} photos`).waitFor(WAIT)
    await item('Family 1 photo').waitFor(WAIT)
    await item('Mountains 2 photos').waitFor(WAIT)
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('is a tree of levels and groups: folders with subfolders say whether they are open, the folder shown is selected', async () => {
    // The tree as the browser exposes it: names from each item's own row, not the folders inside it.
    expect(await tree().ariaSnapshot()).toBe(
      [
        '- tree "Folders":',
        `  - treeitem "All photos ${TOTAL} photos" [level=1] [selected]`,
        `  - treeitem "Trips ${TOTAL} photos" [expanded] [level=1]:`,
        `    - text: Trips ${TOTAL} photos`,
        '    - group:',
        '      - treeitem "2019 5 photos" [expanded] [level=2]:',
        '        - text: 2019 5 photos',
        '        - group:',
        '          - treeitem "July by the sea 3 photos" [level=3]',
        '          - treeitem "Winter 1 photo" [level=3]',
        '      - treeitem "2020 4 photos" [expanded] [level=2]:',
        '        - text: 2020 4 photos',
        '        - group:',
        '          - treeitem "Mountains 2 photos" [level=3]',
        '      - treeitem "Family 1 photo" [level=2]',
      ].join('\n'),
    )
    // One tab stop, on the folder shown; every item says whether it is selected.
    const attrs = await tree()
      .getByRole('treeitem')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('aria-selected')} ${e.getAttribute('tabindex')}`))
    expect(attrs).toEqual(['true 0', ...Array<string>(7).fill('false -1')])
    // Subfolders are a group inside their folder's item; the full path on hover.
    expect(
      await item(/^2019 /)
        .getByRole('group')
        .getByRole('treeitem')
        .count(),
    ).toBe(2)
    expect((await item(/^July by the sea/).getAttribute('title'))?.replace(/[\\/]$/, '')).toBe(path.join(photosDir, '2019', 'July by the sea'))
  })

  it('is one tab stop, reached and left with Tab, starting on the folder shown', async () => {
    // Keyboard only from here: start from the top of the page.
    await tabIntoTree()
    expect(await focused()).toEqual({ role: 'treeitem', name: `All photos ${TOTAL} photos` })
    await press('Tab')
    expect((await focused()).role).not.toBe('treeitem')
    await press('Shift+Tab')
    expect(await focusedName()).toBe(`All photos ${TOTAL} photos`)
  })

  it('moves with the arrows, Home and End; Right and Left open, close, and go in and out', async () => {
    await press('ArrowDown')
    expect(await focusedName()).toBe(`Trips ${TOTAL} photos`)
    // The roving tab stop follows focus.
    expect(await tree().locator('[tabindex="0"]').count()).toBe(1)
    expect(await item(/^Trips /).getAttribute('tabindex')).toBe('0')
    await press('ArrowRight')
    expect(await focusedName()).toBe('2019 5 photos')
    await press('ArrowRight')
    expect(await focusedName()).toBe('July by the sea 3 photos')
    // A leaf: Right does nothing, Left goes to its folder.
    await press('ArrowRight')
    expect(await focusedName()).toBe('July by the sea 3 photos')
    await press('ArrowLeft')
    expect(await focusedName()).toBe('2019 5 photos')
    await press('ArrowLeft')
    expect(await item(/^2019 /).getAttribute('aria-expanded')).toBe('false')
    expect(await item(/^July by the sea/).count()).toBe(0)
    // Closed, its subfolders are skipped.
    await press('ArrowDown')
    expect(await focusedName()).toBe('2020 4 photos')
    await press('End')
    expect(await focusedName()).toBe('Family 1 photo')
    // No wrap at the ends.
    await press('ArrowDown')
    expect(await focusedName()).toBe('Family 1 photo')
    await press('Home')
    expect(await focusedName()).toBe(`All photos ${TOTAL} photos`)
    await press('ArrowUp')
    expect(await focusedName()).toBe(`All photos ${TOTAL} photos`)
    // Type-ahead: the first letters of a name.
    await press('m')
    expect(await focusedName()).toBe('Mountains 2 photos')
    await press('ArrowLeft')
    expect(await focusedName()).toBe('2020 4 photos')
    await press('ArrowUp')
    expect(await focusedName()).toBe('2019 5 photos')
    await press('ArrowRight')
    expect(await item(/^2019 /).getAttribute('aria-expanded')).toBe('true')
    expect(await focusedName()).toBe('2019 5 photos')
  })

  it('shows the folder with Enter: its address, its heading, its photos in the grid', async () => {
    await grid().getByRole('gridcell').first().waitFor()
    expect(await grid().getByRole('gridcell').count()).toBe(TOTAL)
    await press('Enter')
    await page.getByRole('heading', { level: 1, name: '2019' }).waitFor()
    expect(new URL(page.url()).hash).toMatch(/^#\/library\?folder=/)
    expect(folderInAddress()).toBe(path.join(photosDir, '2019'))
    // The folder's photos at any depth, as its count says.
    await expect.poll(() => grid().getByRole('gridcell').count()).toBe(5)
    expect(await item(/^2019 /).getAttribute('aria-selected')).toBe('true')
    expect(await item(/^All photos/).getAttribute('aria-selected')).toBe('false')
    // Focus stays in the tree, on the folder shown.
    expect(await focusedName()).toBe('2019 5 photos')
    await press('ArrowDown')
    await press('Enter')
    await page.getByRole('heading', { level: 1, name: 'July by the sea' }).waitFor()
    await expect.poll(() => grid().getByRole('gridcell').count()).toBe(3)
    // Left the tree and back: the tab stop is the folder shown.
    await press('Tab')
    await press('Shift+Tab')
    expect(await focusedName()).toBe('July by the sea 3 photos')
    violations.push(...(await lookAt(page, 'folder-tree')))
  })

  it('shows the same folder after a reload, selected and the tab stop; Home and Enter go back to all photos', async () => {
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'July by the sea' }).waitFor()
    expect(await item(/^July by the sea/).getAttribute('aria-selected')).toBe('true')
    await tabIntoTree()
    expect(await focusedName()).toBe('July by the sea 3 photos')
    await press('Home')
    await press('Enter')
    await page.getByRole('heading', { level: 1, name: 'All photos' }).waitFor()
    await expect.poll(() => grid().getByRole('gridcell').count()).toBe(TOTAL)
    expect(new URL(page.url()).hash).toBe('#/library')
  })

  it('on a narrow window, is in the Menu: a folder chosen with Enter folds the sidebar and gives focus to its first photo', async () => {
    await page.setViewportSize({ width: 900, height: 700 })
    const menu = page.getByRole('button', { name: 'Menu' })
    await menu.waitFor()
    // Menu is the first control on the page; Tab goes on from the tree, so start there.
    await menu.focus()
    await press('Enter')
    expect(await menu.getAttribute('aria-expanded')).toBe('true')
    for (let i = 0; i < 20 && (await focused()).role !== 'treeitem'; i++) await press('Tab')
    expect(await focusedName()).toBe(`All photos ${TOTAL} photos`)
    // Close 2020 on the way, so the pictures show a closed folder too.
    await press('End')
    await press('ArrowUp')
    await press('ArrowUp')
    expect(await focusedName()).toBe('2020 4 photos')
    await press('ArrowLeft')
    expect(await item(/^2020 /).getAttribute('aria-expanded')).toBe('false')
    violations.push(...(await lookAt(page, 'folder-tree-menu')))
    await press('Enter')
    await page.getByRole('heading', { level: 1, name: '2020' }).waitFor()
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false)
    await expect.poll(() => grid().getByRole('gridcell').count()).toBe(4)
    // Focus is not lost with the folded sidebar: it is on the folder's first photo, ready for the arrows.
    await expect
      .poll(() =>
        grid()
          .getByRole('gridcell')
          .first()
          .evaluate((cell) => cell === document.activeElement),
      )
      .toBe(true)
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('remembers closed folders across reloads, and that they were opened again', async () => {
    await page.reload()
    await page.getByRole('heading', { level: 1, name: '2020' }).waitFor()
    await item(/^2020 /).waitFor()
    expect(await item(/^2020 /).getAttribute('aria-expanded')).toBe('false')
    expect(await item(/^Mountains /).count()).toBe(0)
    expect(await item(/^2019 /).getAttribute('aria-expanded')).toBe('true')
    await item(/^2020 /).focus()
    await press('ArrowRight')
    await item(/^Mountains /).waitFor()
    await page.reload()
    await page.getByRole('heading', { level: 1, name: '2020' }).waitFor()
    await item(/^Mountains /).waitFor()
    expect(await item(/^2020 /).getAttribute('aria-expanded')).toBe('true')
  })

  it('has no accessibility violations, in light and dark', () => {
    expect(violations).toEqual([])
  })
})
