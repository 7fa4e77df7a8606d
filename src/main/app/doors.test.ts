// One behaviour through every door: re-captioning (captions.regenerate in the
// API, `photocap caption again` in the CLI) is the engine's one operation, and
// jobs.cancel stops the kind of work it names and nothing else.
import { testBackend } from '../../../test/helpers/backend.ts'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../cli/index.ts'
import { captureIo } from '../../../test/helpers/cli-io.ts'
import { writeJpeg } from '../../../test/helpers/photo-folders.ts'
import { tinyMl } from '../../../test/helpers/ml.ts'
import { sharedTinyDataDir } from '../ml/pipeline/test-support.ts'
import { createBackend, type Backend } from './backend.ts'
import { apiCaller } from './test-support.ts'

let dir: string
let backend: Backend
const call = apiCaller(() => backend)
const file = (name: string): string => path.join(dir, 'photos', name)

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-doors-'))
  await writeJpeg(file('mine.jpg'), { seed: 1 })
  await writeJpeg(file('auto.jpg'), { seed: 2 })
  backend = await testBackend(dir, { dataDir: sharedTinyDataDir(), createMl: () => tinyMl() })
  await backend.mlReady
  await call('settings.update', { decoding: { method: 'greedy', maxTokens: 6 } })
  await call('roots.add', { path: path.join(dir, 'photos') })
  await backend.engine.jobs.whenIdle()
}, 120_000)

afterAll(async () => {
  await backend?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const idOf = (name: string): number => backend.engine.photos.idByPath(file(name))!

describe('captions.regenerate', () => {
  it('through the API: a new automatic caption, current unless the person wrote one, announced as photos.changed', async () => {
    const auto = idOf('auto.jpg')
    const before = (await call('photos.get', { id: auto })).history.length
    const updated = new Promise<number[]>((resolve) => {
      const off = backend.events.on('photos.changed', (e) => {
        if (e.ids.includes(auto)) {
          off()
          resolve(e.ids)
        }
      })
    })
    const c = await call('captions.regenerate', { photoId: auto, decoding: { maxTokens: 4 } })
    expect(c).toMatchObject({ provenance: 'auto', decoding: { method: 'greedy', maxTokens: 4 } })
    expect(await updated).toContain(auto)
    const after = await call('photos.get', { id: auto })
    expect(after).toMatchObject({ caption: c.text, provenance: 'auto', status: 'done' })
    expect(after.history.length).toBe(before + 1)

    const mine = idOf('mine.jpg')
    await call('captions.set', { photoId: mine, text: 'my own words' })
    const again = await call('captions.regenerate', { photoId: mine })
    expect(again.provenance).toBe('auto')
    expect(await call('photos.get', { id: mine })).toMatchObject({ caption: 'my own words', provenance: 'user', hasAutoCaption: true })
  })

  it("through the CLI: the same operation, the same rule for the person's own caption", async () => {
    const { io, out, err } = captureIo(dir, { PHOTOCAP_DATA_DIR: sharedTinyDataDir(), PHOTOCAP_ML_IN_PROCESS: '1' })
    const historyOf = (name: string): number => backend.engine.captions.history(idOf(name)).length
    const [autoBefore, mineBefore] = [historyOf('auto.jpg'), historyOf('mine.jpg')]
    expect(await main(['caption', 'again', 'photos/auto.jpg', 'photos/mine.jpg', '--db', 'lib.db', '--greedy', '--max-tokens', '4'], io), err.join('\n')).toBe(
      0,
    )
    expect(out[0]).toMatch(new RegExp(`^photo ${idOf('auto.jpg')}: \\S`))
    expect(out[1]).toMatch(/kept in the history: your own caption stays/)
    expect([historyOf('auto.jpg'), historyOf('mine.jpg')]).toEqual([autoBefore + 1, mineBefore + 1])
    expect(backend.engine.photos.get(idOf('mine.jpg'))).toMatchObject({ caption: 'my own words', provenance: 'user' })
    const current = backend.engine.captions.history(idOf('auto.jpg')).find((c) => c.current)!
    expect(current).toMatchObject({ provenance: 'auto', decoding: expect.objectContaining({ method: 'greedy', maxTokens: 4 }) })
    expect(await main(['caption', 'again', 'photos/elsewhere.jpg', '--db', 'lib.db'], io)).toBe(1)
    expect(err.join('\n')).toMatch(/elsewhere\.jpg is not in the library/)
  })
})

describe('jobs.cancel', () => {
  it('names the work it stops: train and install their own, never the library queue; a library kind only its jobs', async () => {
    backend.engine.jobs.pause()
    try {
      backend.engine.roots.rescan()
      const queued = (): number => Object.values(backend.engine.jobs.status().byKind).reduce((n, k) => n + k.queued, 0)
      expect(queued()).toBeGreaterThan(0)
      const before = queued()
      await expect(call('jobs.cancel', { kind: 'train' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/no training run/) })
      await call('jobs.cancel', { kind: 'export' })
      await call('jobs.cancel', { kind: 'install' })
      await call('jobs.cancel', { kind: 'caption' })
      expect(queued()).toBe(before)
      await call('jobs.cancel', { kind: 'scan' })
      expect(backend.engine.jobs.status().byKind.scan.queued).toBe(0)
    } finally {
      backend.engine.jobs.resume()
    }
  })
})
