// One vocabulary across the engine, the API, the CLI and the interface: a photo's
// state, who wrote a caption, the job kinds, the events, the execution
// providers. The interface is typed by the API table (src/shared/types.ts), so
// the API's enums are what it can show; this test ties those enums to the
// engine's constants and to what the CLI prints for the same library.
import { testBackend } from '../../../test/helpers/backend.ts'
import fs from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import * as api from '../../shared/api.ts'
import { main } from '../cli/index.ts'
import { captureIo } from '../../../test/helpers/cli-io.ts'
import { CAPTION_FILTERS, PHOTO_STATES } from '../engine/views/photo-filter.ts'
import { tempDir, writePhotoFolder } from '../../../test/helpers/photo-folders.ts'

describe('one vocabulary', () => {
  it("the API names the engine's states and caption authors, word for word", () => {
    expect(api.PhotoStatus.options).toEqual([...PHOTO_STATES])
    expect(api.CaptionFilter.options).toEqual([...CAPTION_FILTERS])
    expect(Object.keys(api.events)).toContain('photos.changed')
    expect(Object.keys(api.events)).not.toContain('photos.updated')
  })

  it('CLI list --json and status, and the API, give each photo the same state; remove and retry are CLI operations too', async () => {
    const dir = await tempDir('photocap-vocab-')
    try {
      await writePhotoFolder(path.join(dir, 'photos'), 3)
      await fs.writeFile(path.join(dir, 'photos', 'broken.jpg'), 'not a photo')
      const env = { PHOTOCAP_DATA_DIR: path.join(dir, 'appdata'), PHOTOCAP_ML_IN_PROCESS: '1' }
      expect(await main(['index', 'photos', '--db', 'lib.db', '--no-ml'], captureIo(dir, env).io)).toBe(0)

      const list = captureIo(dir, env)
      expect(await main(['list', '--db', 'lib.db', '--json'], list.io)).toBe(0)
      const cli = new Map(list.out.map((l) => JSON.parse(l) as { id: number; status: string }).map((p) => [p.id, p.status]))
      expect(new Set(cli.values())).toEqual(new Set(['processing', 'failed']))

      const status = captureIo(dir, env)
      expect(await main(['status', '--db', 'lib.db', '--json'], status.io)).toBe(0)
      expect(JSON.parse(status.out[0]!).byState).toEqual({ queued: 0, processing: 3, done: 0, failed: 1, missing: 0 })

      const backend = await testBackend(dir, { dataDir: env.PHOTOCAP_DATA_DIR })
      try {
        await backend.engine.jobs.whenIdle()
        const r = await backend.dispatcher.dispatch('photos.list', { offset: 0, limit: 100 })
        if (!r.ok) throw new Error(r.error.message)
        const apiStates = new Map((r.value as { items: { id: number; status: string }[] }).items.map((p) => [p.id, p.status]))
        expect(apiStates).toEqual(cli)
      } finally {
        await backend.close()
      }

      const retry = captureIo(dir, env)
      expect(await main(['retry', 'photos/broken.jpg', '--db', 'lib.db', '--no-ml'], retry.io), retry.err.join('\n')).toBe(0)
      expect(retry.out.join('\n')).toMatch(/1 photo tried again; 1 failed in the library now/)
      expect(retry.err.join('\n')).toMatch(/broken\.jpg: not a readable image/)

      const remove = captureIo(dir, env)
      expect(await main(['remove', 'photos', '--db', 'lib.db'], remove.io), remove.err.join('\n')).toBe(0)
      expect(remove.out.join('\n')).toMatch(/removed .*photos from the library \(4 photos forgotten; the files are untouched\)/)
      const after = captureIo(dir, env)
      expect(await main(['list', '--db', 'lib.db', '--json'], after.io)).toBe(0)
      expect(after.out).toEqual([])
      await fs.access(path.join(dir, 'photos', 'broken.jpg'))
      expect(await main(['remove', 'photos', '--db', 'lib.db'], captureIo(dir, env).io)).toBe(1)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
