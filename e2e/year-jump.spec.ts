/// <reference lib="dom" />
// The year index beside the grid, as a person with twenty years of photos uses it
// with the keyboard only: Debian's Chromium against a real `photocap serve`, forty
// photos dated by EXIF over 2005-2024. Steps share the library and run in order.
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { addFolderAndStart, startLibrary, type Library } from './support/library.ts'
import { lookAt } from './support/audit.ts'

const WAIT = { timeout: 150_000 }
const FIRST = 2005
const LAST = 2024
const PHOTOS = (LAST - FIRST + 1) * 2

let lib: Library
let page: Page

/** A small JPEG of its own colour, taken (EXIF DateTimeOriginal) on the 15th of `month` in `year`. */
async function writeDated(file: string, year: number, month: number, hue: number): Promise<void> {
  const c = (k: number): number => Math.round(128 + 100 * Math.sin(hue + k))
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="160" height="120" fill="rgb(${c(0)},${c(2)},${c(4)})"/><circle cx="${40 + ((hue * 37) % 80)}" cy="60" r="30" fill="rgb(${c(4)},${c(0)},${c(2)})"/></svg>`
  const when = `${year}:${String(month).padStart(2, '0')}:15 12:00:00`
  await sharp(Buffer.from(svg))
    .jpeg({ quality: 80 })
    .withExif({ IFD2: { DateTimeOriginal: when } })
    .toFile(file)
}

const active = (): Promise<{ name: string | null; month: string | null; role: string | null }> =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    const grid = el?.closest('[role="grid"]')
    const heading = grid ? document.getElementById(grid.getAttribute('aria-labelledby') ?? '') : null
    return { name: el?.getAttribute('aria-label') ?? null, month: heading?.getAttribute('aria-label') ?? null, role: el?.getAttribute('role') ?? null }
  })

/** How far below the top of the grid's region a month heading is, in pixels. */
const headingOffset = (name: string): Promise<number> =>
  page.evaluate((n) => {
    const h = [...document.querySelectorAll('h2.month')].find((e) => e.getAttribute('aria-label')?.startsWith(n))
    const vp = document.querySelector('.viewport')!.getBoundingClientRect()
    return h ? h.getBoundingClientRect().top - vp.top : Number.NaN
  }, name)

describe.skipIf(!haveChromium)('the year index beside the grid (Chromium against photocap serve)', () => {
  beforeAll(async () => {
    let photosDir = ''
    lib = await startLibrary('years', {
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'Years')
        fs.mkdirSync(photosDir, { recursive: true })
        for (let y = FIRST, i = 0; y <= LAST; y++) {
          await writeDated(path.join(photosDir, `${y}-spring.jpg`), y, 3, i++ * 1.3)
          await writeDated(path.join(photosDir, `${y}-autumn.jpg`), y, 9, i++ * 1.3)
        }
      },
      viewport: { width: 1440, height: 900 },
    })
    page = lib.page
    await addFolderAndStart(page, photosDir)
    // The library's own count (the sidebar's folder tree names its counts the same way).
    await page.getByRole('main').getByText(`${PHOTOS} photos`, { exact: true }).waitFor(WAIT)
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('lists every year, newest first, the one in view marked current', async () => {
    const bar = page.getByRole('toolbar', { name: 'Jump to a year' })
    await expect.poll(() => bar.getByRole('button').count(), WAIT).toBe(LAST - FIRST + 1)
    const names = await bar.getByRole('button').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')))
    expect(names[0]).toBe(`Jump to ${LAST}`)
    expect(names.at(-1)).toBe(`Jump to ${FIRST}`)
    expect(await bar.getByRole('button', { name: `Jump to ${LAST}` }).getAttribute('aria-current')).toBe('true')
  })

  it('with the keyboard: Tab from the grid reaches the index, arrows pick 2019, Enter shows it at the top and focuses its first photo', async () => {
    await page.getByRole('region', { name: 'Photos, newest first' }).getByRole('gridcell').first().focus()
    await page.keyboard.press('Tab')
    expect((await active()).name).toBe(`Jump to ${LAST}`)
    for (let i = 0; i < LAST - 2019; i++) await page.keyboard.press('ArrowDown')
    expect((await active()).name).toBe('Jump to 2019')
    await page.keyboard.press('Enter')
    // Focus lands on the first photo of September 2019 (newest first), whose heading is at the top of the grid.
    await expect.poll(async () => (await active()).month).toBe('September 2019, 1 photo')
    expect((await active()).role).toBe('gridcell')
    expect(Math.abs(await headingOffset('September 2019'))).toBeLessThan(2)
    const current = page.getByRole('button', { name: 'Jump to 2019' })
    await expect.poll(() => current.getAttribute('aria-current')).toBe('true')
    // A narrower window re-lays the grid out (other columns, other tile size): the month at the top stays there.
    await page.setViewportSize({ width: 900, height: 700 })
    await expect.poll(async () => Math.abs(await headingOffset('September 2019'))).toBeLessThan(2)
    await page.setViewportSize({ width: 1440, height: 900 })
    await expect.poll(async () => Math.abs(await headingOffset('September 2019'))).toBeLessThan(2)
    await lookAt(page, 'library-year-index').then((v) => expect(v).toEqual([]))
    // Tab goes back to the index, on the year now in view; End and Enter go to the oldest year.
    await page.keyboard.press('Tab')
    expect((await active()).name).toBe('Jump to 2019')
    await page.keyboard.press('End')
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await active()).month).toBe(`September ${FIRST}, 1 photo`)
    expect(await headingOffset(`September ${FIRST}`)).toBeGreaterThanOrEqual(0)
  })
})
