/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// End to end, as a person uses it: Debian's Chromium against a real
// `photocap serve` (engine, ML worker with the tiny pack, search) on a temp data
// folder. The steps share one library and run in order. Waits are on states of
// the page (roles, names, alt texts), never on time.
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { startLibrary, waitForCaptions as captioned, type Library } from './support/library.ts'
import { writeLibrary, writePhoto } from './support/photos.ts'
import { repoRoot } from './support/serve.ts'

const shots = path.join(repoRoot, 'test-results', 'screenshots')
const PHOTOS = 4
const WAIT = { timeout: 120_000 }

let photosDir: string
let lib: Library
let page: Page

const grid = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Photos, newest first' })

async function screenshot(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.screenshot({ path: path.join(shots, `${name}-${scheme}.png`) })
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

/** Every photo tile in view has a caption as alt text, except the ones that failed. */
const waitForCaptions = (count: number): Promise<void> => captioned(page, count, WAIT)

describe.skipIf(!haveChromium)('Photocap in Chromium against photocap serve', () => {
  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true })
    lib = await startLibrary('library', {
      timeout: 20_000,
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'My Photos')
        await writeLibrary(photosDir, PHOTOS)
      },
    })
    page = lib.page
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('welcomes a first-time user and adds a folder through the server-side folder browser', async () => {
    await page.getByRole('heading', { name: 'Welcome to Photocap' }).waitFor()
    await page.getByText(/^Processor: /).waitFor()
    await screenshot('welcome')
    await page.getByRole('button', { name: 'Add folder…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Choose a folder' })
    // The dialog opens on the home folder; type a path once that listing is shown.
    await dialog.getByRole('list', { name: /^Folders in / }).waitFor()
    await dialog.getByRole('textbox', { name: 'Folder path' }).fill(lib.tmp)
    await dialog.getByRole('button', { name: 'Go' }).click()
    await dialog.getByRole('button', { name: /My Photos/ }).click()
    await dialog.getByRole('list', { name: `Folders in ${photosDir}` }).waitFor()
    await screenshot('folder-browser')
    await dialog.getByRole('button', { name: 'Use this folder' }).click()
    // exact: the polite announcement ("Added … Photos there will be captioned…") names the folder too.
    await page.getByText(photosDir, { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Start' }).click()
    await grid().waitFor()
  })

  it('shows captions appearing as alt text of the photos', async () => {
    await waitForCaptions(PHOTOS)
    const alts = await grid()
      .getByRole('img')
      .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).alt))
    expect(alts).toHaveLength(PHOTOS + 1)
    expect(alts.filter((a) => a.length > 0 && !a.endsWith(': could not be read'))).toHaveLength(PHOTOS)
    await page.getByRole('button', { name: /^Progress: up to date/ }).waitFor(WAIT)
    await screenshot('library')
  })

  it('shows why a corrupt file could not be read', async () => {
    await grid()
      .getByRole('gridcell', { name: /corrupt\.jpg: could not be read/ })
      .click()
    await page.getByRole('heading', { level: 1, name: 'corrupt.jpg' }).waitFor()
    await page.getByRole('heading', { name: 'This file is damaged or incomplete' }).waitFor()
    await page.getByText('Technical reason').click()
    expect((await page.locator('.unreadable .reason').textContent())!.length).toBeGreaterThan(3)
    await page.getByRole('button', { name: 'Back to library' }).click()
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: /^Activity/ })
      .click()
    await page.getByRole('cell', { name: 'corrupt.jpg', exact: true }).waitFor()
    await screenshot('activity')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Library' }).click()
    await grid().waitFor()
  })

  it('edits a caption in place, saved as the user’s', async () => {
    // Open photo-2.jpg: find it by opening tiles until its name shows (names are not in the grid's alt text).
    await openPhotoNamed('photo-2.jpg')
    const editor = page.getByRole('textbox', { name: 'Caption' })
    await editor.fill('My dog Rex asleep on the red sofa.')
    await page.getByRole('button', { name: 'Save caption' }).click()
    await page.getByText(/^Written by you/).waitFor()
    await screenshot('photo')
    await page.keyboard.press('Escape')
    await grid().getByRole('img', { name: 'My dog Rex asleep on the red sofa.' }).waitFor()
  })

  it('finds the photo by searching its caption', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill('sofa')
    await page.getByRole('list', { name: 'Search results' }).getByRole('img', { name: 'My dog Rex asleep on the red sofa.' }).waitFor(WAIT)
    await screenshot('search')
    await page.getByRole('button', { name: 'Clear search' }).click()
    await grid().waitFor()
  })

  it('picks up a photo added to the watched folder', async () => {
    await writePhoto(path.join(photosDir, 'new-arrival.jpg'), 42)
    await waitForCaptions(PHOTOS + 1)
  })

  it('keeps the caption when the file is renamed', async () => {
    fs.renameSync(path.join(photosDir, 'photo-2.jpg'), path.join(photosDir, 'renamed-rex.jpg'))
    // The photo is the same content: its caption stays, and it comes to show the new name.
    await expect
      .poll(async () => {
        await grid().getByRole('img', { name: 'My dog Rex asleep on the red sofa.' }).click()
        const name = await page.getByRole('heading', { level: 1 }).textContent()
        await page.getByRole('button', { name: 'Back to library' }).click()
        return name
      }, WAIT)
      .toBe('renamed-rex.jpg')
    await grid().getByRole('img', { name: 'My dog Rex asleep on the red sofa.' }).waitFor()
  })

  it('keeps the edited caption after the server restarts', async () => {
    await page.close()
    await lib.serve()
    page = await lib.openPage()
    await grid().getByRole('img', { name: 'My dog Rex asleep on the red sofa.' }).waitFor(WAIT)
    await page.getByRole('img', { name: 'My dog Rex asleep on the red sofa.' }).click()
    await page.getByText(/^Written by you/).waitFor()
    expect(await page.getByRole('textbox', { name: 'Caption' }).inputValue()).toBe('My dog Rex asleep on the red sofa.')
    await page.getByRole('button', { name: 'Back to library' }).click()
  })

  it('shows settings and training screens', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('heading', { name: 'Where your data lives' }).waitFor()
    await page.getByText(/^Processor: .*using the CPU/).waitFor(WAIT)
    await screenshot('settings')
    await nav.getByRole('button', { name: /^Training/ }).click()
    await page.getByText(/can teach the captioning model your style/).waitFor()
    await screenshot('training')
  })
})

/** Open tiles one by one until the photo with this file name is showing. */
async function openPhotoNamed(name: string): Promise<void> {
  await grid().getByRole('img').first().waitFor()
  const tiles = grid().getByRole('gridcell')
  const n = await tiles.count()
  for (let i = 0; i < n; i++) {
    await tiles.nth(i).click()
    const heading = page.getByRole('heading', { level: 1 })
    await heading.filter({ hasNotText: 'Loading…' }).waitFor()
    if ((await heading.textContent()) === name) return
    await page.getByRole('button', { name: 'Back to library' }).click()
  }
  throw new Error(`no photo named ${name} in the grid`)
}
