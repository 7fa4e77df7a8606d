// The desktop app itself, driven through playwright-core's Electron support.
// Electron's binary cannot be downloaded on CI machines (the npm package
// installs, its binary does not), so this spec skips there, saying why; on a
// developer's desktop it runs against the electron-vite build.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './support/serve.ts'

function electronBinary(): { path: string | null; why: string } {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown
    if (typeof p === 'string' && fs.existsSync(p)) return { path: p, why: '' }
    return { path: null, why: `the Electron binary is missing (${String(p)})` }
  } catch (error) {
    return { path: null, why: `the Electron binary is missing (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` }
  }
}

const bin = electronBinary()
if (!bin.path) console.warn(`e2e/electron.spec.ts skipped: ${bin.why}; run it on a desktop after \`node node_modules/electron/install.js\``)

describe.skipIf(!bin.path)(`desktop app in Electron${bin.path ? '' : ` (skipped: ${bin.why})`}`, () => {
  it('opens a sandboxed window with the welcome, no Node in the page, images by id only', async () => {
    const build = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
      cwd: repoRoot,
      encoding: 'utf8',
    })
    expect(build.status, build.stderr).toBe(0)
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-electron-'))
    const app = await electron.launch({
      executablePath: bin.path!,
      args: [path.join(repoRoot, 'out/main/index.js')],
      env: { ...process.env, PHOTOCAP_DATA_DIR: data },
    })
    try {
      const page = await app.firstWindow()
      await page.getByRole('heading', { name: 'Welcome to Photocap' }).waitFor({ timeout: 60_000 })
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined')
      expect(await page.evaluate(() => Object.keys((globalThis as unknown as { api: object }).api).sort())).toEqual(['invoke', 'on'])
      const status = await page.evaluate(async () => {
        const img = new Image()
        return new Promise<string>((resolve) => {
          img.onload = () => resolve('loaded')
          img.onerror = () => resolve('refused')
          img.src = 'photocap-img://thumb/..%2F..%2Fetc%2Fpasswd'
        })
      })
      expect(status).toBe('refused')
    } finally {
      await app.close()
      fs.rmSync(data, { recursive: true, force: true })
    }
  })

  it('shows "restarting the engine" when the ML process dies, and clears when a fresh one answers', async (ctx) => {
    // Uses the build the test above made, and the default pack the desktop app finds (skips without one).
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-electron-'))
    const app = await electron.launch({
      executablePath: bin.path!,
      args: [path.join(repoRoot, 'out/main/index.js')],
      env: { ...process.env, PHOTOCAP_DATA_DIR: data },
    })
    try {
      const page = await app.firstWindow()
      await page.getByRole('heading', { name: 'Welcome to Photocap' }).waitFor({ timeout: 60_000 })
      const mlPid = async (): Promise<number | null> =>
        app.evaluate(({ app: a }) => a.getAppMetrics().find((m) => m.type === 'Utility' && m.serviceName === 'Photocap ML')?.pid ?? null)
      // The worker starts once a pack is there; without one there is nothing to kill.
      const started = await expect
        .poll(mlPid, { timeout: 30_000 })
        .not.toBeNull()
        .then(
          () => true,
          () => false,
        )
      const pid = started ? await mlPid() : null
      if (pid === null) return ctx.skip()
      process.kill(pid, 'SIGKILL')
      await page.getByRole('alert', { name: 'Restarting the engine' }).waitFor({ timeout: 30_000 })
      await page.getByRole('alert', { name: 'Restarting the engine' }).waitFor({ state: 'detached', timeout: 120_000 })
      expect(await mlPid()).not.toBe(pid)
    } finally {
      await app.close()
      fs.rmSync(data, { recursive: true, force: true })
    }
  })
})
