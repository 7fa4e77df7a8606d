/// <reference lib="dom" />
// The library grid as a screen reader and a keyboard meet it: Debian's Chromium
// against a real `photocap serve`, a library of ninety generated photos (more
// than one screen, more than one page of the grid's fetches). Steps share the
// library and run in order; waits are on states of the page, never on time.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { addFolderAndStart, startLibrary, type Library } from './support/library.ts'
import { lookAt, type Violation } from './support/audit.ts'
import { writeLibrary } from './support/photos.ts'

const WAIT = { timeout: 150_000 }
const PHOTOS = 90

let lib: Library
let page: Page
const violations: Violation[] = []

const region = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Photos, newest first' })
const focused = (): Promise<{ index: number | null; role: string | null; inView: boolean }> =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    const box = el?.getBoundingClientRect()
    const vp = document.querySelector('[aria-label="Photos, newest first"]')!.getBoundingClientRect()
    return {
      index: el?.dataset.index !== undefined ? Number(el.dataset.index) : null,
      role: el?.getAttribute('role') ?? null,
      inView: !!box && box.bottom > vp.top && box.top < vp.bottom,
    }
  })

describe.skipIf(!haveChromium)('the library grid (Chromium against photocap serve)', () => {
  beforeAll(async () => {
    let photosDir = ''
    lib = await startLibrary('grid', {
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'Many')
        await writeLibrary(photosDir, PHOTOS)
      },
      viewport: { width: 1440, height: 900 },
    })
    page = lib.page
    await addFolderAndStart(page, photosDir)
    // Every file found (the photos are undated: they carry no EXIF date).
    await page.getByRole('heading', { name: new RegExp(`, ${PHOTOS + 1} photos$`) }).waitFor(WAIT)
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('each month is a grid named by its heading, tiles are cells with positions and short names, not toggle buttons', async () => {
    // Generated photos carry no date taken: labelled as such, not filed under the month they were copied.
    const grid = region().getByRole('grid', { name: `No date: sorted by file date, ${PHOTOS + 1} photos`, exact: true })
    await grid.waitFor()
    expect(await grid.getAttribute('aria-multiselectable')).toBe('true')
    const firstRow = grid.getByRole('row').first()
    expect(await firstRow.getAttribute('aria-rowindex')).toBe('1')
    const cell = firstRow.getByRole('gridcell').first()
    await cell.waitFor()
    expect(await cell.getAttribute('aria-colindex')).toBe('1')
    expect(await cell.getAttribute('aria-selected')).toBe('false')
    expect(await cell.getAttribute('aria-pressed')).toBeNull()
    expect(await region().getByRole('button').count()).toBe(0)
    // The description holds the whole caption; the name is at most 60 characters and a state.
    const described = await cell.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    )
    expect(described).toContain(await cell.getByRole('img').getAttribute('alt'))
  })

  it('shows captions under the tiles when asked, remembers it, and has a status key; axe finds nothing, light and dark', async () => {
    await page.getByRole('checkbox', { name: 'Captions under photos' }).check()
    await page.getByText('Status key').click()
    violations.push(...(await lookAt(page, 'library-grid-captions')))
    await page.reload()
    await page.getByRole('heading', { name: new RegExp(`, ${PHOTOS + 1} photos$`) }).waitFor(WAIT)
    expect(await page.getByRole('checkbox', { name: 'Captions under photos' }).isChecked()).toBe(true)
    await page.getByRole('checkbox', { name: 'Captions under photos' }).uncheck()
    // The caption over the photo on focus.
    await region().getByRole('gridcell').first().focus()
    await page.keyboard.press('ArrowRight')
    violations.push(...(await lookAt(page, 'library-grid-focus')))
    // Larger thumbnails: fewer per row, remembered.
    const tileWidth = async (): Promise<number> => (await region().getByRole('gridcell').first().boundingBox())!.width
    expect(await tileWidth()).toBeLessThan(200)
    await page.getByRole('combobox', { name: 'Size' }).selectOption('large')
    await expect.poll(tileWidth).toBeGreaterThan(230)
    violations.push(...(await lookAt(page, 'library-grid-large')))
    await page.getByRole('combobox', { name: 'Size' }).selectOption('medium')
    // Oldest first: the engine's order, named in the region; then back.
    const firstId = await region().getByRole('gridcell').first().getAttribute('data-photo-id')
    await page.getByRole('combobox', { name: 'Sort' }).selectOption('oldest')
    const oldest = page.getByRole('region', { name: 'Photos, oldest first' })
    await expect.poll(async () => oldest.getByRole('gridcell').first().getAttribute('data-photo-id')).not.toBe(firstId)
    await page.getByRole('combobox', { name: 'Sort' }).selectOption('newest')
    await expect.poll(async () => region().getByRole('gridcell').first().getAttribute('data-photo-id')).toBe(firstId)
    // The round check on hover picks a photo with the mouse, without opening it.
    const third = region().getByRole('gridcell').nth(2)
    await third.hover()
    await third.locator('.check').click()
    await page.getByRole('group', { name: 'Selection' }).waitFor()
    expect(await third.getAttribute('aria-selected')).toBe('true')
    expect(page.url()).not.toContain('#/photo/')
    await page.getByRole('button', { name: 'Clear selection' }).click()
    expect(violations).toEqual([])
  })

  it('after scrolling with the mouse, Tab reaches a tile in view', async () => {
    await page.getByRole('checkbox', { name: 'Captions under photos' }).focus()
    const box = (await region().boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.wheel(0, 1500)
    await page.waitForFunction(() => document.querySelector('[aria-label="Photos, newest first"]')!.scrollTop > 1000)
    // The month stays named at the top while its own heading is scrolled away.
    await page.locator('.pinned').getByText('No date: sorted by file date').waitFor()
    await page.getByText('Status key').focus()
    await page.keyboard.press('Tab')
    const f = await focused()
    expect(f.role).toBe('gridcell')
    expect(f.inView).toBe(true)
    expect(f.index).toBeGreaterThan(0)
    // Picked (accent frame and check mark inside) and focused (ring outside) look different.
    await page.keyboard.press('Space')
    await page.keyboard.press('ArrowRight')
    await page.getByRole('group', { name: 'Selection' }).waitFor()
    expect(await region().getByRole('gridcell', { selected: true }).count()).toBe(1)
    violations.push(...(await lookAt(page, 'library-grid-scrolled-selected')))
    await page.keyboard.press('Escape')
    await page.getByRole('group', { name: 'Selection' }).waitFor({ state: 'detached' })
    expect(violations).toEqual([])
  })

  it('End and Home move focus to the last and first photo, loading them first', async () => {
    await page.keyboard.press('Home')
    await expect.poll(async () => (await focused()).index).toBe(0)
    await page.keyboard.press('End')
    await expect.poll(async () => (await focused()).index, WAIT).toBe(PHOTOS)
    await page.keyboard.press('PageUp')
    await expect.poll(async () => (await focused()).role).toBe('gridcell')
    await page.keyboard.press('Home')
    await page.keyboard.press('PageDown')
    await expect.poll(async () => (await focused()).role).toBe('gridcell')
    expect((await focused()).index).toBeGreaterThan(0)
  })

  it('at 200% text size the pinned month never covers the focused tile', async () => {
    await page.setViewportSize({ width: 900, height: 700 })
    await page.evaluate(() => (document.documentElement.style.fontSize = '200%'))
    await region().getByRole('gridcell').first().focus()
    await page.keyboard.press('Home')
    await expect.poll(async () => (await focused()).index).toBe(0)
    // Down a page, then back up row by row: each row up scrolls into view under the pinned month.
    for (let i = 0; i < 5; i++) await page.keyboard.press('PageDown')
    await expect.poll(async () => (await focused()).index).toBeGreaterThan(12)
    // How many pixels of the focused tile's height lie under the pinned month (0 when none is pinned).
    const overlap = (): Promise<{ pinned: boolean; overlap: number }> =>
      page.evaluate(() => {
        const bar = document.querySelector('.pinned > span')?.getBoundingClientRect()
        const tile = (document.activeElement as HTMLElement).getBoundingClientRect()
        if (!bar) return { pinned: false, overlap: 0 }
        return { pinned: true, overlap: Math.max(0, Math.min(bar.bottom, tile.bottom) - Math.max(bar.top, tile.top)) }
      })
    // The grid keeps room for photos at this text size (the filters above it scroll away).
    expect((await region().boundingBox())!.height).toBeGreaterThan(300)
    let seenPinned = 0
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('ArrowUp')
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
      const o = await overlap()
      if (o.pinned) seenPinned++
      expect(o.overlap).toBe(0)
      expect((await focused()).inView).toBe(true)
    }
    expect(seenPinned).toBeGreaterThan(0)
    violations.push(...(await lookAt(page, 'library-grid-large-text')))
    await page.evaluate(() => (document.documentElement.style.fontSize = ''))
    await page.setViewportSize({ width: 1440, height: 900 })
    expect(violations).toEqual([])
  })

  it('in search results arrows move, ‹ › follow the results, and Escape returns to the result', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill('photo')
    const results = page.getByRole('list', { name: 'Search results' })
    await results.getByRole('button').nth(2).waitFor(WAIT)
    const names = await results.getByRole('button').evaluateAll((bs) => bs.slice(0, 3).map((b) => (b as HTMLElement).dataset.photoId))
    await results.getByRole('button').first().focus()
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.photoId)).toBe(names[1])
    violations.push(...(await lookAt(page, 'search-results-keyboard')))
    await page.keyboard.press('Enter')
    await page.getByRole('textbox', { name: 'Caption' }).waitFor()
    await expect.poll(() => page.url()).toContain(`#/photo/${names[1]}`)
    // The next photo is the next result, not the library's next photo.
    await page.getByRole('heading', { level: 1 }).focus()
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => page.url()).toContain(`#/photo/${names[2]}`)
    await page.keyboard.press('Escape')
    await results.waitFor()
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.photoId)).toBe(names[2])
    expect(violations).toEqual([])
  })
})
