// Every screen, looked at the way the issue asks: axe-core in light and dark
// (zero violations expected), and screenshots in light and dark at 1440x900 and
// 900x700 under test-results/screenshots/<name>-<scheme>-<w>x<h>.png.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import { repoRoot } from './serve.ts'

export const shotsDir = path.join(repoRoot, 'test-results', 'screenshots')
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
let axeText: string | null = null
const axeSource = (): string => (axeText ??= fs.readFileSync(axePath, 'utf8'))
const sizes = [
  { width: 1440, height: 900 },
  { width: 900, height: 700 },
] as const

export interface Violation {
  screen: string
  scheme: string
  id: string
  help: string
  targets: string[]
}

/** Audit and photograph the current screen; returns axe's violations (empty when all is well). */
export async function lookAt(page: Page, name: string): Promise<Violation[]> {
  fs.mkdirSync(shotsDir, { recursive: true })
  const before = page.viewportSize()
  const found: Violation[] = []
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' })
    for (const size of sizes) {
      await page.setViewportSize(size)
      // Let layout (the virtualised grid measures itself) settle for a frame or two.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
      await page.screenshot({ path: path.join(shotsDir, `${name}-${scheme}-${size.width}x${size.height}.png`) })
    }
    // Evaluated over the debugging protocol, which the page's strict CSP does not govern (a <script> tag would be refused).
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource())
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }
      ).axe
      const r = await axe.run(document, { resultTypes: ['violations'] })
      return r.violations.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }))
    })
    for (const v of violations) found.push({ screen: name, scheme, ...v })
  }
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' })
  if (before) await page.setViewportSize(before)
  return found
}
