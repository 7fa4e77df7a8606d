/// <reference lib="dom" />
// The photo view in Chromium against a real `photocap serve` with the tiny pack:
// a file that cannot be read (a plain message, the reason on request, Retry, no
// image request that 404s); a 5640 px photo shown with a preview sized to the
// screen, the details panel folded away (remembered), zoom to its real pixels
// and full screen from the keyboard. Steps share one small library and run in
// order; waits are on states of the page, never on time.
import fs from 'node:fs'
import path from 'node:path'
import type { Page, Response } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { addFolderAndStart, startLibrary, waitForCaptions, type Library } from './support/library.ts'
import { lookAt, type Violation } from './support/audit.ts'
import { writeLibrary, writePhoto } from './support/photos.ts'

const WAIT = { timeout: 150_000 }
const PHOTOS = 5

let photosDir: string
let lib: Library
let page: Page
const violations: Violation[] = []
const notFound: string[] = []
const onResponse = (r: Response): void => {
  if (r.status() === 404) notFound.push(r.url().replace(/token=[^&]+/, 'token=…'))
}

const grid = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Photos, newest first' })

/** The id of the photo with this file name, from the address the grid opens. */
async function openByName(name: string): Promise<void> {
  const tiles = grid().getByRole('gridcell')
  const heading = page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Loading…' })
  for (let i = 0; i < (await tiles.count()); i++) {
    await tiles.nth(i).click()
    await heading.waitFor()
    if ((await heading.textContent()) === name) return
    await page.getByRole('button', { name: 'Back to library' }).click()
  }
  throw new Error(`no tile opens ${name}`)
}

describe.skipIf(!haveChromium)('the photo view (Chromium against photocap serve)', () => {
  beforeAll(async () => {
    lib = await startLibrary('photo', {
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'Album')
        await writeLibrary(photosDir, PHOTOS - 2)
        // A folder two levels down, for the folder tree and the breadcrumbs.
        fs.mkdirSync(path.join(photosDir, '2019', 'July by the sea'), { recursive: true })
        await writePhoto(path.join(photosDir, '2019', 'July by the sea', 'beach.jpg'), 4.2)
        // A big photo, the size of a 21 MP camera's: the photo view used to show it at 960 px at most.
        const w = 5640
        const h = 3760
        const stripes = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#3a6ea5"/>${Array.from({ length: 40 }, (_, i) => `<rect x="${i * 141}" y="0" width="70" height="${h}" fill="#f2c14e"/>`).join('')}<circle cx="${w / 2}" cy="${h / 2}" r="900" fill="#c0392b"/></svg>`
        await sharp(Buffer.from(stripes)).jpeg({ quality: 80 }).toFile(path.join(photosDir, 'big.jpg'))
      },
    })
    page = lib.page
    await addFolderAndStart(page, photosDir)
    await waitForCaptions(page, PHOTOS, WAIT)
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('asks for no thumbnail of a file that cannot be read, in the grid and in search results', async () => {
    notFound.length = 0
    page.on('response', onResponse)
    await page.reload()
    await grid().getByRole('img', { name: 'corrupt.jpg: could not be read' }).waitFor()
    await page.waitForLoadState('networkidle')
    await page.getByRole('searchbox', { name: 'Search' }).fill('corrupt')
    await page.keyboard.press('Enter')
    await page
      .getByRole('img', { name: /^corrupt\.jpg: could not be read$/ })
      .last()
      .waitFor()
    await page.waitForLoadState('networkidle')
    page.off('response', onResponse)
    expect(notFound).toEqual([])
    await page.goto(lib.server.url)
    await grid().getByRole('img').first().waitFor()
  })

  it('says a file that cannot be read is damaged or incomplete, the reason on request, with Retry and no request that 404s', async () => {
    await openByName('corrupt.jpg')
    notFound.length = 0
    page.on('response', onResponse)
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'corrupt.jpg' }).waitFor()
    await page.getByRole('heading', { name: 'This file is damaged or incomplete' }).waitFor()
    await page.getByRole('img', { name: 'corrupt.jpg: could not be read' }).waitFor()
    // No <img> for it: no broken-image icon and nothing asked of the server that is not there.
    expect(await page.locator('.stage img').count()).toBe(0)
    const reason = page.locator('.unreadable .reason')
    expect(await reason.isVisible()).toBe(false)
    await page.getByText('Technical reason').click()
    expect((await reason.textContent())!.trim().length).toBeGreaterThan(3)
    // The desktop app's "Show in folder" has no door in a browser.
    expect(await page.getByRole('button', { name: 'Show in folder' }).count()).toBe(0)
    violations.push(...(await lookAt(page, 'photo-unreadable')))
    await page.getByRole('button', { name: 'Retry' }).click()
    // Tried again, the file is still cut short: the same plain message comes back.
    await page.getByRole('heading', { name: 'This file is damaged or incomplete' }).waitFor(WAIT)
    page.off('response', onResponse)
    expect(notFound).toEqual([])
  })

  it('shows a big photo with a preview sized to the screen, the details folded away and remembered', async () => {
    await page.goto(lib.server.url)
    await grid().getByRole('img').first().waitFor()
    await openByName('big.jpg')
    page.on('response', onResponse)
    const img = page.locator('.stage img')
    const loaded = async (): Promise<{ natural: number; src: string }> =>
      img.evaluate(async (el: HTMLImageElement) => {
        if (!el.complete || el.naturalWidth === 0) await el.decode().catch(() => undefined)
        return { natural: el.naturalWidth, src: new URL(el.src).searchParams.get('w') ?? '' }
      })
    await page.setViewportSize({ width: 1440, height: 900 })
    await expect.poll(async () => (await loaded()).natural).toBeGreaterThan(0)
    violations.push(...(await lookAt(page, 'photo-view')))
    // Fold the details away: the stage is ~1200 px wide, more than the old 960 px preview had.
    const toggle = page.getByRole('button', { name: 'Hide details' })
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')
    await toggle.click()
    await page.getByRole('button', { name: 'Show details' }).waitFor()
    expect(await page.getByRole('button', { name: 'Show details' }).getAttribute('aria-expanded')).toBe('false')
    await expect.poll(async () => (await loaded()).natural).toBe(1600)
    expect((await loaded()).src).toBe('1600')
    // Remembered: a reload keeps the photo large.
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'big.jpg' }).waitFor()
    await page.getByRole('button', { name: 'Show details' }).waitFor()
    violations.push(...(await lookAt(page, 'photo-view-wide')))
    // Zoom with the keyboard to the photo's real pixels: the full 5640 px, never upscaled.
    await page.locator('body').focus()
    for (let i = 0; i < 6; i++) await page.keyboard.press('+')
    await page.getByRole('button', { name: '400 %, fit to the screen' }).waitFor()
    await expect.poll(async () => (await loaded()).natural).toBe(5640)
    await page.keyboard.press('-')
    await page.getByRole('button', { name: '200 %, fit to the screen' }).waitFor()
    await page.keyboard.press('-')
    await page.getByRole('button', { name: '100 %, fit to the screen' }).waitFor()
    violations.push(...(await lookAt(page, 'photo-zoomed')))
    // Escape leaves the zoom first, the photo only after.
    await page.keyboard.press('Escape')
    await page.getByRole('button', { name: /^Fit \(/ }).waitFor()
    // Full screen with F, left with Escape.
    await page.keyboard.press('f')
    await expect.poll(() => page.evaluate(() => document.fullscreenElement?.classList.contains('stage') ?? false)).toBe(true)
    await page.getByRole('button', { name: 'Full screen', pressed: true }).waitFor()
    await page.keyboard.press('Escape')
    await expect.poll(() => page.evaluate(() => document.fullscreenElement === null)).toBe(true)
    await page.getByRole('heading', { level: 1, name: 'big.jpg' }).waitFor()
    // Put the panel back for the next visitor of this profile.
    await page.getByRole('button', { name: 'Show details' }).click()
    page.off('response', onResponse)
    expect(notFound).toEqual([])
    // The original is read, never written.
    const meta = await sharp(path.join(photosDir, 'big.jpg')).metadata()
    expect([meta.width, meta.height]).toEqual([5640, 3760])
  })

  it('folds the sidebar away on a narrow window behind Menu, shows folders as a tree and the folder shown as breadcrumbs', async () => {
    await page.getByRole('button', { name: 'Back to library' }).click()
    await page.setViewportSize({ width: 900, height: 700 })
    const side = page.getByRole('navigation', { name: 'Main' })
    const menu = page.getByRole('button', { name: 'Menu' })
    await menu.waitFor()
    expect(await menu.getAttribute('aria-expanded')).toBe('false')
    expect(await side.isVisible()).toBe(false)
    await menu.click()
    expect(await menu.getAttribute('aria-expanded')).toBe('true')
    // Its parent folder holds no photo of its own: the tree names it with the part in between.
    const july = side.getByRole('treeitem', { name: /^2019\/July by the sea/ })
    await july.waitFor()
    expect(await july.getAttribute('title')).toMatch(/\/Album\/2019\/July by the sea\/?$/)
    violations.push(...(await lookAt(page, 'sidebar-open')))
    await july.locator(':scope > .row').click()
    // Choosing a folder folds the sidebar; the heading names it, with the way back up.
    expect(await side.isVisible()).toBe(false)
    await page.getByRole('heading', { level: 1, name: 'July by the sea' }).waitFor()
    const crumbs = page.getByRole('navigation', { name: 'Folder path' })
    expect(await crumbs.getByRole('button').allTextContents()).toEqual(['All photos', 'Album', '2019'])
    await grid().getByRole('img').first().waitFor()
    violations.push(...(await lookAt(page, 'folder-view')))
    // On a wide window the sidebar is always there and Menu is not.
    await page.setViewportSize({ width: 1440, height: 900 })
    expect(await side.isVisible()).toBe(true)
    expect(await menu.isVisible()).toBe(false)
    await crumbs.getByRole('button', { name: 'All photos' }).click()
    await page.getByRole('heading', { level: 1, name: 'All photos' }).waitFor()
  })

  it('at 200 % text size nothing overlaps and no name is cut short, in the library and the photo view', async () => {
    // What a person's browser setting "text size 200 %" does: the root font doubles (Photocap's is 93.75 % of it).
    await page.evaluate(() => (document.documentElement.style.fontSize = '187.5%'))
    const overlapping = (): Promise<string[]> =>
      page.evaluate(() => {
        const found: string[] = []
        const groups = [['.top > *'], ['.photo-bar > *', '.photo-bar .row > *'], ['.side .nav button', '.side .folders .row', '.side .add']]
        const visible = (e: Element): boolean => {
          const r = e.getBoundingClientRect()
          return r.width > 0 && r.height > 0
        }
        for (const sels of groups) {
          const els = sels.flatMap((s) => [...document.querySelectorAll(s)]).filter(visible)
          for (let i = 0; i < els.length; i++)
            for (let j = i + 1; j < els.length; j++) {
              const a = els[i]!,
                b = els[j]!
              if (a.contains(b) || b.contains(a)) continue
              const r = a.getBoundingClientRect(),
                q = b.getBoundingClientRect()
              if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1)
                found.push(`${a.className || a.tagName} × ${b.className || b.tagName}`)
            }
        }
        // Names cut to "20…": an ellipsis hides text.
        for (const e of document.querySelectorAll('.side .name, .top .brand span'))
          if (visible(e) && e.scrollWidth > e.clientWidth + 1) found.push(`cut: ${e.textContent}`)
        return found
      })
    for (const size of [
      { width: 1440, height: 900 },
      { width: 900, height: 700 },
    ]) {
      await page.setViewportSize(size)
      if (size.width < 1000) await page.getByRole('button', { name: 'Menu' }).click()
      expect(await overlapping(), `library at ${size.width}px`).toEqual([])
      if (size.width < 1000) await page.getByRole('button', { name: 'Menu' }).click()
    }
    violations.push(...(await lookAt(page, 'text-200-library')))
    // (Opened at the wide size: at 900 px and 200 % text the grid's pinned month header covers the first tiles.)
    await page.setViewportSize({ width: 1440, height: 900 })
    await openByName('photo-1.jpg')
    for (const size of [
      { width: 1440, height: 900 },
      { width: 900, height: 700 },
    ]) {
      await page.setViewportSize(size)
      expect(await overlapping(), `photo view at ${size.width}px`).toEqual([])
    }
    violations.push(...(await lookAt(page, 'text-200-photo')))
    await page.evaluate(() => (document.documentElement.style.fontSize = ''))
  })

  it('has no accessibility violations on the screens it visited, in light and dark', () => {
    expect(violations).toEqual([])
  })
})
