// Every file Pillow opens, Photocap shows, at the size Pillow shows it: the
// public real-world set (../shared/realworld) run through Pillow (by
// test/helpers/pillow-probe.py, Debian's python3-pil) and through the probe and
// thumbnailer ingest uses. Files we show and Pillow refuses are fine (libvips
// and libheif read more than Pillow does); the other way round is a bug, except
// where Pillow's answer is the wrong one for a photo library (`weDiffer`, each
// with the reason, and each checked to still differ). Skips, saying why,
// without the set or without Pillow.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/helpers/photo-folders.ts'
import { imageFilesUnder, realWorldSetDir } from '../../../../test/helpers/realworld-set.ts'
import { closeExiftool } from './exiftool-reader.ts'
import { makeThumbnail, probeImage } from './images.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const setDir = realWorldSetDir
const probeScript = path.resolve(here, '../../../../test/helpers/pillow-probe.py')
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const haveSet = fs.existsSync(setDir)
const havePillow = spawnSync(python, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0
if (!haveSet) console.warn(`pillow-crosscheck.test.ts: skipped, the public real-world set is not at ${setDir}`)
else if (!havePillow) console.warn(`pillow-crosscheck.test.ts: skipped, Pillow is not installed for ${python} (Debian: apt-get install python3-pil)`)

/** Files Pillow opens where we deliberately show something else, and why (paths relative to the set). */
const weDiffer: Record<string, string> = {}

interface PillowSays {
  file: string
  ok: boolean
  width: number | null
  height: number | null
  error: string | null
}

describe.skipIf(!haveSet || !havePillow)('Pillow cross-check on the public real-world set', () => {
  afterAll(async () => await closeExiftool())

  it('shows every file Pillow opens, at the displayed size Pillow gives', async () => {
    const files = imageFilesUnder(setDir)
    const run = spawnSync(python, [probeScript], { input: files.join('\n'), encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 })
    expect(run.status, run.stderr).toBe(0)
    const pillow = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PillowSays)
    expect(pillow.length).toBe(files.length)
    const cache = await tempDir()
    const disagree: string[] = []
    const differAsListed = new Set<string>()
    let opened = 0
    for (const [i, p] of pillow.entries()) {
      if (!p.ok) continue
      opened++
      const rel = path.relative(setDir, p.file)
      let ours: string
      try {
        const probe = await probeImage(p.file)
        await makeThumbnail(p.file, cache, `k${i}`)
        ours = `${probe.width}x${probe.height}`
      } catch (error) {
        ours = `refused (${error instanceof Error ? error.message : String(error)})`
      }
      const theirs = `${p.width}x${p.height}`
      if (ours === theirs) continue
      if (weDiffer[rel]) differAsListed.add(rel)
      else disagree.push(`${rel}: Pillow shows ${theirs}, we ${ours}`)
    }
    fs.rmSync(cache, { recursive: true, force: true })
    console.log(`Pillow opens ${opened} of ${files.length}; we show all of them but ${disagree.length + differAsListed.size}`)
    expect(opened).toBeGreaterThan(0)
    expect(disagree).toEqual([])
    // each listed difference still is one (or the list is stale)
    expect([...differAsListed].sort()).toEqual(Object.keys(weDiffer).sort())
  }, 300_000)
})
