/// <reference lib="dom" />
// The first-run screen and Settings, as a new user meets them: Debian's Chromium
// against a real `photocap serve` on an empty library. The keyboard only; axe
// and screenshots in light and dark at both sizes (support/audit.ts).
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { startLibrary, type Library } from './support/library.ts'
import { lookAt, type Violation } from './support/audit.ts'
import { writeLibrary } from './support/photos.ts'

let photosDir: string
let lib: Library
let page: Page
const violations: Violation[] = []

/** Names of what Tab reaches, in order, from the top of the page (at most `max` stops). */
async function tabOrder(max: number): Promise<string[]> {
  const names: string[] = []
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    names.push(
      await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        return el ? (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' ') : ''
      }),
    )
  }
  return names
}

/** The element is inside the viewport (a confirmation or error the person can see without scrolling). */
const inView = (el: ReturnType<Page['locator']>): Promise<boolean> =>
  el.evaluate((node) => {
    const r = node.getBoundingClientRect()
    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0
  })

describe.skipIf(!haveChromium)('first run and settings (Chromium against photocap serve)', () => {
  beforeAll(async () => {
    lib = await startLibrary('first-run', {
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'Photos')
        await writeLibrary(photosDir, 3)
      },
      viewport: { width: 1440, height: 900 },
    })
    page = lib.page
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('recommends the COCO pack with its download size, labels the test pack, and leads with Add folder', async () => {
    await page.getByRole('heading', { name: 'Welcome to Photocap' }).waitFor()
    const coco = page
      .getByRole('listitem')
      .filter({ has: page.getByText('clipcap-coco-vitb32', { exact: false }) })
      .first()
    await coco.getByText('Recommended', { exact: true }).waitFor()
    expect(await coco.locator('p', { hasText: /^Download:/ }).textContent()).toMatch(/^Download: (about )?\d[\d.]* (MB|GB)/)
    expect(await page.getByText('download size shown when it starts').count()).toBe(0)
    await page.getByText('For testing only', { exact: true }).waitFor()
    expect(await page.getByText('In use', { exact: true }).count()).toBe(0)
    expect(
      await page
        .getByText(/^Processor: /)
        .first()
        .textContent(),
    ).toMatch(/^Processor: /)
    expect(await page.getByRole('button', { name: 'Add folder…' }).getAttribute('class')).toContain('primary')
    // Keyboard only: Add folder… is reached before any download, and before Skip.
    const order = await tabOrder(14)
    const add = order.indexOf('Add folder…')
    expect(add).toBeGreaterThanOrEqual(0)
    const firstDownload = order.findIndex((n) => n.startsWith('Download '))
    if (firstDownload >= 0) expect(add).toBeLessThan(firstDownload)
    await page.evaluate(() => document.getElementById('main-content')?.scrollTo(0, 0))
    violations.push(...(await lookAt(page, 'first-run')))
  })

  it('adds a folder and starts with the keyboard, then confirms each setting next to it in Settings', async () => {
    await page.getByRole('button', { name: 'Add folder…' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Choose a folder' })
    await dialog.getByRole('textbox', { name: 'Folder path' }).fill(photosDir)
    await dialog.getByRole('button', { name: 'Use this folder' }).focus()
    await page.keyboard.press('Enter')
    await page.getByText(photosDir, { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Start' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()

    const threads = page.getByRole('spinbutton', { name: /Photos worked on at once/ })
    await threads.focus()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('3')
    await page.keyboard.press('Tab')
    const threadsNote = page.locator('[data-field="workerThreads"]')
    await expect.poll(() => threadsNote.textContent()).toContain('Saved')
    expect(await inView(threadsNote)).toBe(true)

    // Out of range: refused next to the control, in view, never "Saved".
    await threads.focus()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('999')
    await page.keyboard.press('Tab')
    await expect.poll(() => threadsNote.textContent()).toContain('Threads must be a whole number from 1 to 64.')
    expect(await inView(threadsNote)).toBe(true)
    expect(await threads.getAttribute('aria-invalid')).toBe('true')

    // A radio choice with the keyboard: arrow keys move and select.
    await page.getByRole('radio', { name: /^Fast/ }).focus()
    await page.keyboard.press('ArrowDown')
    const methodNote = page.locator('[data-field="method"]')
    await expect.poll(() => methodNote.textContent()).toContain('Saved')
    expect(await inView(methodNote)).toBe(true)
    await threads.scrollIntoViewIfNeeded()
    violations.push(...(await lookAt(page, 'settings')))

    // The saved values are the server's: a reload shows them.
    await page.reload()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click()
    expect(await page.getByRole('spinbutton', { name: /Photos worked on at once/ }).inputValue()).toBe('3')
    expect(await page.getByRole('radio', { name: /^Careful/ }).isChecked()).toBe(true)
  })

  it('has no axe violations on these screens in light or dark', () => {
    expect(violations).toEqual([])
  })
})
