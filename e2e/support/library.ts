// What every browser spec starts with: a temp folder with the spec's photos, a
// real `photocap serve` on its own data folder and database, Chromium, and one
// page open on the app; and the welcome screen's "add a folder, Start" that
// most specs go through first. Each spec keeps only what is its own.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser } from './browser.ts'
import { startServe, type Served } from './serve.ts'

export interface Library {
  /** The spec's temp folder (photos, data folder, database); removed by close. */
  tmp: string
  /** The server now running (serve replaces it). */
  server: Served
  browser: Awaited<ReturnType<typeof launchBrowser>>
  /** The page opened at start (openPage opens another). */
  page: Page
  /** Stop the server if it runs and start another on the same data and database (a restart; extraArgs e.g. ['--port', port]). */
  serve(extraArgs?: string[]): Promise<Served>
  /** A new page on the current server, with the specs' defaults. */
  openPage(): Promise<Page>
  close(): Promise<void>
}

export interface LibraryOptions {
  /** Write the spec's photos under tmp before the server starts. */
  prepare?: (tmp: string) => Promise<void>
  viewport?: { width: number; height: number }
  /** Playwright's default timeout for the page (ms). */
  timeout?: number
}

export async function startLibrary(name: string, options: LibraryOptions = {}): Promise<Library> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `photocap-e2e-${name}-`))
  const serveOn = (extraArgs?: string[]): Promise<Served> =>
    startServe({ dataDir: path.join(tmp, 'data'), dbPath: path.join(tmp, 'library.db'), ...(extraArgs ? { extraArgs } : {}) })
  let server: Served | undefined
  let browser: Library['browser'] | undefined
  const close = async (): Promise<void> => {
    await browser?.close()
    await server?.stop()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  try {
    await options.prepare?.(tmp)
    server = await serveOn()
    browser = await launchBrowser()
    const b = browser
    const lib: Library = {
      tmp,
      server,
      browser: b,
      page: undefined as unknown as Page,
      async serve(extraArgs) {
        await lib.server.stop()
        lib.server = server = await serveOn(extraArgs)
        return lib.server
      },
      async openPage() {
        const page = await b.context.newPage()
        page.setDefaultTimeout(options.timeout ?? 30_000)
        page.on('pageerror', (e) => console.error('page error:', e.message))
        if (options.viewport) await page.setViewportSize(options.viewport)
        await page.goto(lib.server.url)
        return page
      },
      close,
    }
    lib.page = await lib.openPage()
    return lib
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * The first run as a person does it: on the welcome screen, Add folder…, type
 * the folder's path in the folder browser, Use this folder, Start. With
 * keyboard, each button is reached by focus and pressed with Enter.
 */
export async function addFolderAndStart(page: Page, folder: string, options: { keyboard?: boolean } = {}): Promise<void> {
  const press = async (button: ReturnType<Page['getByRole']>): Promise<void> => {
    if (options.keyboard) {
      await button.focus()
      await page.keyboard.press('Enter')
    } else await button.click()
  }
  await page.getByRole('heading', { name: 'Welcome to Photocap' }).waitFor()
  await press(page.getByRole('button', { name: 'Add folder…' }))
  const dialog = page.getByRole('dialog', { name: 'Choose a folder' })
  await dialog.getByRole('list', { name: /^Folders in / }).waitFor()
  await dialog.getByRole('textbox', { name: 'Folder path' }).fill(folder)
  await press(dialog.getByRole('button', { name: 'Use this folder' }))
  await page.getByText(folder, { exact: true }).waitFor()
  await press(page.getByRole('button', { name: 'Start' }))
}

/** Wait until the grid shows good + 1 photos, good of them captioned (the +1: writeLibrary's corrupt file, which fails). */
export async function waitForCaptions(page: Page, good: number, wait: { timeout: number }): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('[aria-label="Photos, newest first"] img')]
      return imgs.length === n + 1 && imgs.filter((i) => !/: (not captioned yet|could not be read|file missing)$/.test(i.alt)).length === n
    },
    good,
    wait,
  )
}
