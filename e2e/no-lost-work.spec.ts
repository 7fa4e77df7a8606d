/// <reference lib="dom" />
// Never lose work, never do the wrong thing, and real addresses: Debian's
// Chromium against a real `photocap serve`. The steps share one library and run
// in order; waits are on states of the page, never on time.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium } from './support/browser.ts'
import { startLibrary, type Library } from './support/library.ts'
import { lookAt, type Violation } from './support/audit.ts'
import { writeLibrary, writePhoto } from './support/photos.ts'

const WAIT = { timeout: 120_000 }

let photosDir: string
let wrongDir: string
let lib: Library
let page: Page
const violations: Violation[] = []

const grid = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Photos, newest first' })
const editor = (): ReturnType<Page['getByRole']> => page.getByRole('textbox', { name: 'Caption' })
const nav = (): ReturnType<Page['getByRole']> => page.getByRole('navigation', { name: 'Main' })
const photoHeading = (): ReturnType<Page['getByRole']> => page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Loading…' })

describe.skipIf(!haveChromium)('no lost work, real addresses (Chromium against photocap serve)', () => {
  beforeAll(async () => {
    lib = await startLibrary('work', {
      prepare: async (tmp) => {
        photosDir = path.join(tmp, 'Holiday')
        wrongDir = path.join(tmp, 'Not this one')
        await writeLibrary(photosDir, 3)
        fs.mkdirSync(wrongDir)
        await writePhoto(path.join(wrongDir, 'stray.jpg'), 9)
      },
    })
    page = lib.page
  })

  afterAll(async () => {
    await lib?.close()
  })

  it('adds the folder whose path was typed, without pressing Go, and removes a mistaken one', async () => {
    await page.getByRole('heading', { name: 'Welcome to Photocap' }).waitFor()
    const addFolder = async (typed: string): Promise<void> => {
      await page.getByRole('button', { name: 'Add folder…' }).click()
      const dialog = page.getByRole('dialog', { name: 'Choose a folder' })
      // The dialog opens on the home folder; the typed path must win over it.
      await dialog.getByRole('list', { name: /^Folders in / }).waitFor()
      await dialog.getByRole('textbox', { name: 'Folder path' }).fill(typed)
      await dialog.getByRole('button', { name: 'Use this folder' }).click()
      await dialog.waitFor({ state: 'hidden' })
    }
    await addFolder(wrongDir)
    const roots = page.getByRole('heading', { name: '1. Your photo folders' }).locator('..').getByRole('listitem')
    await expect.poll(() => roots.allTextContents()).toEqual([expect.stringContaining(wrongDir)])
    expect((await roots.allTextContents()).join()).not.toContain(os.homedir() + ' ')
    // A mistake: remove it, after saying yes.
    await page.getByRole('button', { name: `Remove ${wrongDir}` }).click()
    await page.getByRole('button', { name: 'Remove folder' }).click()
    await page.getByText('No folder yet.').waitFor()
    await addFolder(photosDir)
    await page.getByText(photosDir, { exact: true }).waitFor()
    violations.push(...(await lookAt(page, 'welcome-with-folder')))
    await page.getByRole('button', { name: 'Start' }).click()
    await grid().getByRole('gridcell').first().waitFor(WAIT)
  })

  it('keeps a caption draft across leaving the photo, searching and reloading', async () => {
    await grid().getByRole('gridcell').first().click()
    await photoHeading().waitFor()
    const name = await photoHeading().textContent()
    const address = new URL(page.url()).hash
    expect(address).toMatch(/^#\/photo\/\d+$/)
    await editor().fill('A draft I have not saved yet.')
    // Leave by the back button…
    await page.getByRole('button', { name: 'Back to library' }).click()
    await grid().waitFor()
    await grid().getByRole('gridcell').first().click()
    await photoHeading().filter({ hasText: name! }).waitFor()
    expect(await editor().inputValue()).toBe('A draft I have not saved yet.')
    // …by Escape twice (the first leaves the editor and keeps the words)…
    await editor().press('Escape')
    await page.keyboard.press('Escape')
    await grid().waitFor()
    // …by typing in the search box…
    await page.goBack()
    await photoHeading().filter({ hasText: name! }).waitFor()
    await page.getByRole('searchbox', { name: 'Search' }).fill('anything')
    await page.getByRole('heading', { name: /Results for/ }).waitFor()
    // …and by reloading the page at the photo's address.
    await page.goto(new URL(address, page.url()).href)
    await photoHeading().filter({ hasText: name! }).waitFor()
    await page.reload()
    await photoHeading().filter({ hasText: name! }).waitFor()
    expect(await editor().inputValue()).toBe('A draft I have not saved yet.')
    await page.getByRole('note').filter({ hasText: 'Your unsaved draft' }).waitFor()
    violations.push(...(await lookAt(page, 'photo-with-draft')))
  })

  it('Back, Forward and reload return to every view', async () => {
    const photoAddress = new URL(page.url()).hash
    await nav().getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    expect(new URL(page.url()).hash).toBe('#/settings')
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    violations.push(...(await lookAt(page, 'settings')))
    await page.goBack()
    await photoHeading().waitFor()
    expect(new URL(page.url()).hash).toBe(photoAddress)
    await page.goForward()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await nav()
      .getByRole('button', { name: /^Activity/ })
      .click()
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor()
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor()
    violations.push(...(await lookAt(page, 'activity')))
    await nav()
      .getByRole('button', { name: /^Training/ })
      .click()
    await page.getByRole('heading', { level: 1, name: 'Learn my style' }).waitFor()
    expect(new URL(page.url()).hash).toBe('#/training')
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Learn my style' }).waitFor()
    violations.push(...(await lookAt(page, 'training')))
    await nav()
      .getByRole('button', { name: /^Review/ })
      .click()
    await page.getByRole('heading', { level: 1, name: 'Review captions' }).waitFor()
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/review/)
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'Learn my style' }).waitFor()
    await nav().getByRole('button', { name: 'Library' }).click()
    await grid().waitFor()
    await grid().getByRole('img').first().waitFor()
    violations.push(...(await lookAt(page, 'library')))
    await page.getByRole('searchbox', { name: 'Search' }).fill('photo')
    await page.getByRole('heading', { name: 'Results for “photo”' }).waitFor()
    expect(new URL(page.url()).hash).toBe('#/search?q=photo')
    await page.reload()
    await page.getByRole('heading', { name: 'Results for “photo”' }).waitFor()
    expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe('photo')
    violations.push(...(await lookAt(page, 'search')))
    // One Back leaves the search (typing replaced the entry instead of adding one per letter).
    await page.goBack()
    await page.getByRole('heading', { level: 1, name: 'All photos' }).waitFor()
    await page.goForward()
    await page.getByRole('heading', { name: 'Results for “photo”' }).waitFor()
    // A filtered search keeps its filter in the address: a photo opened from it, reloaded, then Back.
    await page.getByRole('combobox', { name: 'Status' }).selectOption('done')
    await expect.poll(() => new URL(page.url()).hash).toBe('#/search?q=photo&status=done')
    await page.getByRole('list', { name: 'Search results' }).getByRole('img').first().click()
    await photoHeading().waitFor()
    expect(new URL(page.url()).hash).toMatch(/^#\/photo\/\d+\?q=photo&status=done$/)
    const opened = await photoHeading().textContent()
    await page.reload()
    await page.getByRole('heading', { level: 1, name: opened! }).waitFor()
    await page.goBack()
    await page.getByRole('heading', { name: 'Results for “photo”' }).waitFor()
    expect(await page.getByRole('combobox', { name: 'Status' }).inputValue()).toBe('done')
    await page.getByRole('combobox', { name: 'Status' }).selectOption('')
    await expect.poll(() => new URL(page.url()).hash).toBe('#/search?q=photo')
    // A folder in the sidebar has its address too.
    await nav()
      .getByRole('treeitem', { name: /^Holiday/ })
      .locator(':scope > .row')
      .click()
    await page.getByRole('heading', { level: 1, name: 'Holiday' }).waitFor()
    expect(new URL(page.url()).hash).toBe(`#/library?folder=${encodeURIComponent(photosDir)}`)
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Holiday' }).waitFor()
    violations.push(...(await lookAt(page, 'folder')))
    await page.goto(new URL(photoAddress, page.url()).href)
    await photoHeading().waitFor()
  })

  it('notices the server stopping, refuses to save visibly, and after a restart says to open the new address', async () => {
    const name = await photoHeading().textContent()
    const port = new URL(lib.server.url).port
    await lib.server.stop()
    await page.getByRole('alert', { name: 'Offline' }).waitFor()
    await page.getByRole('button', { name: 'Progress: unknown while offline' }).waitFor()
    await editor().fill('Typed while the server was away.')
    expect(await page.getByRole('button', { name: 'Save caption' }).isDisabled()).toBe(true)
    await page.getByText('Saving waits for the server; your draft is kept on this device.').waitFor()
    violations.push(...(await lookAt(page, 'offline')))
    // Same address, new session token: the page cannot reconnect by itself and says what to do.
    await lib.serve(['--port', port])
    await page.getByRole('alert', { name: 'Session ended' }).waitFor(WAIT)
    await page.getByText(/Open the new address that photocap serve printed/).waitFor()
    expect(await page.getByText(/missing or wrong session token/).count()).toBe(0)
    violations.push(...(await lookAt(page, 'session-ended')))
    await page.goto(lib.server.url)
    await grid().getByRole('gridcell').first().waitFor(WAIT)
    // The draft typed while offline is still there for that photo.
    const tiles = grid().getByRole('gridcell')
    for (let i = 0; i < (await tiles.count()); i++) {
      await tiles.nth(i).click()
      await photoHeading().waitFor()
      if ((await photoHeading().textContent()) === name) break
      await page.getByRole('button', { name: 'Back to library' }).click()
    }
    expect(await editor().inputValue()).toBe('Typed while the server was away.')
    await page.getByRole('button', { name: 'Save caption' }).click()
    await page.getByText(/^Written by you/).waitFor()
  })

  it('has no accessibility violations on the screens it visited, in light and dark', () => {
    expect(violations).toEqual([])
  })
})
