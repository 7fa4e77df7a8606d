/// <reference lib="dom" />
// The photo view in Chromium against a real `photocap serve` with the tiny pack:
// a file that cannot be read (a plain message, the reason on request, Retry, no
// image request that 404s). Steps share one small library and run in order;
// waits are on states of the page, never on time.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page, Response } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchBrowser } from './support/browser.ts'
import { lookAt, type Violation } from './support/audit.ts'
import { writeLibrary } from './support/photos.ts'
import { startServe, type Served } from './support/serve.ts'

const WAIT = { timeout: 150_000 }
const PHOTOS = 4

let tmp: string
let photosDir: string
let server: Served
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page
const violations: Violation[] = []
const notFound: string[] = []
const onResponse = (r: Response): void => {
  if (r.status() === 404) notFound.push(r.url().replace(/token=[^&]+/, 'token=…'))
}

const grid = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Photos, newest first' })

/** The id of the photo with this file name, from the address the grid opens. */
async function openByName(name: string): Promise<void> {
  const tiles = grid().getByRole('button')
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
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-e2e-photo-'))
    photosDir = path.join(tmp, 'Album')
    await writeLibrary(photosDir, PHOTOS)
    server = await startServe({ dataDir: path.join(tmp, 'data'), dbPath: path.join(tmp, 'library.db') })
    browser = await launchBrowser()
    page = await browser.context.newPage()
    page.setDefaultTimeout(30_000)
    page.on('pageerror', (e) => console.error('page error:', e.message))
    await page.goto(server.url)
    await page.getByRole('heading', { name: 'Welcome to Photocap' }).waitFor()
    await page.getByRole('button', { name: 'Add folder…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Choose a folder' })
    await dialog.getByRole('list', { name: /^Folders in / }).waitFor()
    await dialog.getByRole('textbox', { name: 'Folder path' }).fill(photosDir)
    await dialog.getByRole('button', { name: 'Use this folder' }).click()
    await page.getByText(photosDir, { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Start' }).click()
    await page.waitForFunction(
      (n) => {
        const imgs = [...document.querySelectorAll<HTMLImageElement>('[aria-label="Photos, newest first"] img')]
        return imgs.length === n + 1 && imgs.filter((i) => !/: (not captioned yet|could not be read|file missing)$/.test(i.alt)).length === n
      },
      PHOTOS,
      WAIT,
    )
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
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

  it('has no accessibility violations on the screens it visited, in light and dark', () => {
    expect(violations).toEqual([])
  })
})
