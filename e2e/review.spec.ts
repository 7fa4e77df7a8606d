/// <reference lib="dom" />
// The review flow with the keyboard only, and "more like this" in a small
// library: Debian's Chromium against a real `photocap serve` with the tiny pack.
// Steps share one library of twelve photos (one a near-duplicate) and a corrupt
// file, and run in order; waits are on states of the page, never on time.
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { addFolderAndStart, startLibrary, waitForCaptions, type Library } from './support/library.ts'
import { lookAt, type Violation } from './support/audit.ts'
import { writeLibrary, writePhoto } from './support/photos.ts'

const WAIT = { timeout: 150_000 }
const PHOTOS = 12

let photosDir: string
let lib: Library
let page: Page
const violations: Violation[] = []

const grid = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Photos, newest first' })
const editor = (): ReturnType<Page['getByRole']> => page.getByRole('textbox', { name: 'Caption' })

describe.skipIf(!haveChromium)('review with the keyboard, more like this (Chromium against photocap serve)', () => {
  beforeAll(async () => {
    lib = await startLibrary('review', {
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'Trip')
        await writeLibrary(photosDir, PHOTOS - 1)
        // A near-duplicate of photo-1 (the same picture, a shade different): "more like this" must find it.
        await writePhoto(path.join(photosDir, 'photo-1-again.jpg'), 0.02)
      },
    })
    page = lib.page
    // Set up with the keyboard too: the folder dialog takes focus and the typed path is used.
    await addFolderAndStart(page, photosDir, { keyboard: true })
    // Every photo captioned (the corrupt one failed).
    await waitForCaptions(page, PHOTOS, WAIT)
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('reviews ten captions with the keyboard only: accept, edit then accept, skip and back', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: /^Review/ })
      .focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Review captions' }).waitFor()
    const total = PHOTOS + 1
    await page.getByText(`0 of ${total} reviewed`, { exact: true }).waitFor()
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('review-caption')
    violations.push(...(await lookAt(page, 'review')))
    // Skip one with Page Down and come back with Page Up: nothing is accepted.
    // The address names the photo shown (#/review/<id>).
    const shown = (): string => new URL(page.url()).hash
    await expect.poll(shown).toMatch(/^#\/review\/\d+$/)
    const first = shown()
    await page.keyboard.press('PageDown')
    await expect.poll(shown).not.toBe(first)
    await page.keyboard.press('PageUp')
    await expect.poll(shown).toBe(first)
    await page.getByText(`0 of ${total} reviewed`, { exact: true }).waitFor()
    // The failed file is in the queue too, where the library's order puts it
    // (photos without a date sort by when they were added, which varies with
    // load): it has no automatic caption to accept, so it is skipped.
    const failedHeading = page.getByRole('heading', { name: 'This file is damaged or incomplete' })
    // The editor is read-only while the next photo loads: act once it is that photo's.
    const ready = async (): Promise<void> => {
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('review-caption')
      await expect.poll(() => editor().getAttribute('readonly')).toBeNull()
    }
    for (let n = 1; n <= 10; n++) {
      await ready()
      if (await failedHeading.isVisible()) {
        const at = shown()
        await page.keyboard.press('PageDown')
        await expect.poll(shown).not.toBe(at)
        await ready()
      }
      if (n === 4) {
        // Edit in place, then accept: the words become the person's caption.
        await page.keyboard.press('Control+A')
        await page.keyboard.type('Four photos in, my own words.')
      }
      if (n === 7) {
        // Regenerate, with the keyboard: Tab from the editor to the button, then Enter.
        const at = shown()
        const words = await editor().inputValue()
        const regenerate = page.getByRole('button', { name: 'Regenerate' })
        const focused = (): Promise<boolean> => regenerate.evaluate((b) => b === document.activeElement)
        for (let i = 0; i < 8 && !(await focused()); i++) await page.keyboard.press('Tab')
        expect(await focused()).toBe(true)
        await page.keyboard.press('Enter')
        // The tiny pack decodes greedily, so the new caption has the same words:
        // what shows is the announcement, and the button ready again.
        const polite = page.locator('[role="status"][aria-live="polite"]')
        await expect.poll(() => polite.textContent()).toBe('New automatic caption written.')
        await regenerate.waitFor()
        expect(await editor().inputValue()).toBe(words)
        await page.getByText(`${n - 1} of ${total} reviewed`, { exact: true }).waitFor()
        // The new caption is not reviewed until accepted, in the engine too: a reload shows the same photo, not counted.
        await page.reload()
        await page.getByText(`${n - 1} of ${total} reviewed`, { exact: true }).waitFor()
        // The progress shows while the photo is still opening (the address reads #/review until it is): wait for it.
        await expect.poll(shown).toBe(at)
        await ready()
        expect(await editor().inputValue()).toBe(words)
      }
      await page.keyboard.press('Enter')
      await page.getByText(`${n} of ${total} reviewed`, { exact: true }).waitFor()
    }
    // Reviewed is kept by the engine: a reload shows the same progress.
    await page.reload()
    await page.getByText(`10 of ${total} reviewed`, { exact: true }).waitFor()
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/review\/\d+$/)
    // The edited one is the person's caption in the library.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Library' }).click()
    await grid().getByRole('img', { name: 'Four photos in, my own words.' }).waitFor()
  })

  it('shows the failed photo in the queue with a plain message and a retry', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: /^Review/ })
      .click()
    await page.getByText(`10 of ${PHOTOS + 1} reviewed`, { exact: true }).waitFor()
    // Three photos are left; go to the first of them, then step through until the failed one shows.
    const failedHeading = page.getByRole('heading', { name: 'This file is damaged or incomplete' })
    await page.getByText(/ of 3 waiting$/).waitFor()
    for (let i = 0; i < 2; i++) await editor().press('PageUp')
    await page.getByText(/ · 1 of 3 waiting$/).waitFor()
    await expect
      .poll(async () => {
        if (await failedHeading.isVisible()) return true
        await editor().press('PageDown')
        return false
      })
      .toBe(true)
    await page.getByRole('button', { name: 'Retry' }).waitFor()
    violations.push(...(await lookAt(page, 'review-failed')))
  })

  it('"more like this" finds the near-duplicate in a library of a dozen photos, without the photo itself', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Library' }).click()
    await grid().getByRole('img').first().waitFor()
    // Open photo-1.jpg: tiles are named by caption, so open them until its name shows.
    const tiles = grid().getByRole('gridcell')
    const heading = page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Loading…' })
    for (let i = 0; i < (await tiles.count()); i++) {
      await tiles.nth(i).click()
      await heading.waitFor()
      if ((await heading.textContent()) === 'photo-1.jpg') break
      await page.getByRole('button', { name: 'Back to library' }).click()
    }
    expect(await heading.textContent()).toBe('photo-1.jpg')
    await page.getByRole('button', { name: /More like this/ }).click()
    await page.getByRole('heading', { level: 1, name: 'Photos like photo-1.jpg' }).waitFor()
    const results = page.getByRole('list', { name: 'Search results' })
    await results.getByText('photo-1-again.jpg', { exact: true }).waitFor()
    const names = await results.locator('.file').allTextContents()
    expect(names[0]).toBe('photo-1-again.jpg')
    expect(names).not.toContain('photo-1.jpg')
    expect(new URL(page.url()).hash).toMatch(/^#\/similar\/\d+$/)
    violations.push(...(await lookAt(page, 'more-like-this')))
    // The search results show captions, with the file name secondary.
    await page.getByRole('searchbox', { name: 'Search' }).fill('photo')
    await page.getByRole('heading', { level: 1, name: 'Results for “photo”' }).waitFor()
    await results.getByText('photo-1.jpg', { exact: true }).waitFor()
    expect(await results.getByText(photosDir).count()).toBe(0)
    violations.push(...(await lookAt(page, 'search-results')))
  })

  it('has no accessibility violations on the screens it visited, in light and dark', () => {
    expect(violations).toEqual([])
  })
})
