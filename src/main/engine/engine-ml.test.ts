// Indexing end to end with the REAL ML service (in-process, generated tiny
// pack): embeddings and captions land in the database with their provenance.
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MlService } from '../ml/service.ts'
import { writeJpeg, writePhotoFolder } from '../../../test/helpers/photo-folders.ts'
import { indexedLibrary, testLibrary } from '../../../test/helpers/library-engine.ts'
import { failingFirstCallsForQueueTests, otherTinyPack, tinyMl } from '../../../test/helpers/ml.ts'

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/library')
// Short captions keep the tests quick; the decoding settings are stored with each caption.
const decoding = { method: 'greedy' as const, beamSize: 5, maxTokens: 8 }

let ml: MlService
beforeAll(async () => {
  ml = await tinyMl()
})
afterAll(async () => {
  await ml.close()
})

function library(setup: (dir: string) => Promise<unknown>, service: MlService = ml) {
  return indexedLibrary(
    async (dir, engine) => {
      engine.settings.set({ decoding })
      await setup(dir)
    },
    { ml: service },
  )
}

describe('indexing with the ML service', () => {
  it('embeds and captions every photo, storing model ids and decoding settings', async () => {
    const info = await ml.info()
    const lib = await library((dir) => writePhotoFolder(dir, 5))
    try {
      const photos = lib.engine.photos.list()
      expect(photos).toHaveLength(5)
      for (const p of photos) {
        expect(p).toMatchObject({ status: 'captioned', provenance: 'auto', error: null, captionStale: false })
        expect(p.caption!.length).toBeGreaterThan(0)
        const [c] = lib.engine.captions.history(p.id)
        expect(c).toMatchObject({ provenance: 'auto', modelId: info.captionModelId, decoding, current: true })
        expect(lib.engine.photos.get(p.id)!.embeddingModels).toEqual([info.embeddingModelId])
      }
      const row = lib.engine.db.raw.prepare(`SELECT dim, length(vector) AS bytes FROM embeddings LIMIT 1`).get() as { dim: number; bytes: number }
      expect(row).toEqual({ dim: info.embeddingDim, bytes: 4 * info.embeddingDim })
      // The stored vector is exactly what the service computes for the file.
      const p0 = photos[0]!
      const [direct] = await ml.embedImages([p0.paths[0]!.path])
      const stored = lib.engine.db.raw.prepare(`SELECT vector FROM embeddings WHERE photo_id = ?`).pluck().get(p0.id) as Buffer
      expect(new Float32Array(new Uint8Array(stored).buffer)).toEqual((direct as { embedding: Float32Array }).embedding)
      expect(lib.engine.status().byStatus.captioned).toBe(5)
      // Opened later without ML (photocap list): staleness is judged against the last models used.
      const plain = await lib.reopen({ ml: null })
      expect(plain.status()).toMatchObject({ staleCaptions: 0, staleEmbeddings: 0 })
      expect(plain.photos.list().every((p) => !p.captionStale)).toBe(true)
    } finally {
      await lib.close()
    }
  })

  it('never lets an automatic caption replace a user caption; the auto one stays in history and can be restored', async () => {
    const lib = await library(async (dir) => {
      await writeJpeg(path.join(dir, 'a.jpg'), { seed: 1 })
      await fs.copyFile(path.join(fixtures, 'alt-text.jpg'), path.join(dir, 'alt.jpg'))
    })
    try {
      const alt = lib.engine.photos.list().find((p) => p.paths[0]!.path.endsWith('alt.jpg'))!
      // Imported alt text is a user caption: captioning ran, but only into history.
      expect(alt).toMatchObject({ caption: 'Two children holding a kite', provenance: 'user', status: 'captioned' })
      expect(
        lib.engine.captions
          .history(alt.id)
          .map((c) => c.provenance)
          .sort(),
      ).toEqual(['auto', 'user'])
      const a = lib.engine.photos.list().find((p) => p.paths[0]!.path.endsWith('a.jpg'))!
      const auto = lib.engine.captions.history(a.id)[0]!
      lib.engine.captions.set(a.id, 'my own words')
      const again = await lib.engine.captions.regenerate(a.id, { method: 'greedy' })
      expect(again).toMatchObject({ provenance: 'auto', current: false, decoding: expect.objectContaining({ method: 'greedy' }) })
      expect(lib.engine.photos.get(a.id)).toMatchObject({ caption: 'my own words', provenance: 'user' })
      expect(lib.engine.captions.history(a.id)).toHaveLength(3)
      lib.engine.captions.restore(a.id, auto.id)
      expect(lib.engine.photos.get(a.id)).toMatchObject({ caption: auto.text, provenance: 'auto' })
      const altCaption = lib.engine.captions.history(alt.id)[0]!
      expect(() => lib.engine.captions.restore(a.id, altCaption.id)).toThrow(/has no caption/)
      expect(() => lib.engine.captions.set(a.id, '   ')).toThrow(/cannot be empty/)
    } finally {
      await lib.close()
    }
  })

  it('re-embeds and re-captions a changed file unless the user wrote its caption', async () => {
    const lib = await library(async (dir) => {
      await writeJpeg(path.join(dir, 'auto.jpg'), { seed: 1 })
      await writeJpeg(path.join(dir, 'mine.jpg'), { seed: 2 })
    })
    try {
      const find = (n: string) => lib.engine.photos.list().find((p) => p.paths[0]!.path.endsWith(n))!
      const auto = find('auto.jpg')
      const mine = find('mine.jpg')
      lib.engine.captions.set(mine.id, 'written by me')
      const vecOf = (id: number) => lib.engine.db.raw.prepare(`SELECT vector FROM embeddings WHERE photo_id = ?`).pluck().get(id) as Buffer
      const before = { auto: vecOf(auto.id), mine: vecOf(mine.id), autoCaptions: lib.engine.captions.history(auto.id).length }
      await writeJpeg(path.join(lib.photos, 'auto.jpg'), { seed: 11, width: 90 })
      await writeJpeg(path.join(lib.photos, 'mine.jpg'), { seed: 12, width: 90 })
      lib.engine.roots.rescan()
      await lib.engine.jobs.whenIdle()
      expect(vecOf(auto.id).equals(before.auto)).toBe(false)
      expect(vecOf(mine.id).equals(before.mine)).toBe(false)
      expect(lib.engine.captions.history(auto.id)).toHaveLength(before.autoCaptions + 1)
      expect(lib.engine.photos.get(auto.id)).toMatchObject({ provenance: 'auto', status: 'captioned', width: 90 })
      expect(lib.engine.photos.get(mine.id)).toMatchObject({ caption: 'written by me', provenance: 'user', status: 'captioned' })
    } finally {
      await lib.close()
    }
  })

  it('after a pack change, marks old-model output stale and redoes it in the background, keeping user captions', async () => {
    const lib = await library((dir) => writePhotoFolder(dir, 3))
    const other = await tinyMl(await otherTinyPack())
    try {
      const [first, second] = lib.engine.photos.list()
      lib.engine.captions.set(first!.id, 'user caption survives')
      const oldAuto = second!.caption
      const newInfo = await other.info()
      expect(newInfo.captionModelId).not.toBe((await ml.info()).captionModelId)
      lib.engine.jobs.pause()
      await lib.engine.ml.use(other)
      const stale = lib.engine.status()
      expect(stale.staleCaptions).toBe(2)
      expect(stale.staleEmbeddings).toBe(3)
      expect(lib.engine.photos.get(second!.id)!.captionStale).toBe(true)
      lib.engine.jobs.resume()
      await lib.engine.jobs.whenIdle()
      const after = lib.engine.status()
      expect(after).toMatchObject({ staleCaptions: 0, staleEmbeddings: 0, userCaptions: 1 })
      expect(lib.engine.photos.get(first!.id)).toMatchObject({ caption: 'user caption survives', provenance: 'user' })
      const second2 = lib.engine.photos.get(second!.id)!
      expect(second2.captionStale).toBe(false)
      expect(lib.engine.captions.history(second!.id).find((c) => c.current)!.modelId).toBe(newInfo.captionModelId)
      expect(lib.engine.captions.history(second!.id).some((c) => c.text === oldAuto)).toBe(true)
      // Embeddings are kept per model: both are stored.
      expect(second2.embeddingModels).toHaveLength(2)
    } finally {
      await lib.close()
      await other.close()
    }
  })
})

describe('queue logic around the ML service (engine-logic test double: real service with injected failures)', () => {
  it('retries a batch whose ML call failed, and finishes', async () => {
    const flaky = failingFirstCallsForQueueTests(ml, 'embedImages', 2)
    const lib = await library((dir) => writePhotoFolder(dir, 2), flaky)
    try {
      // Two injected failures, then success (the batches may split, so maybe more calls).
      expect(flaky.calls).toBeGreaterThanOrEqual(3)
      expect(lib.engine.photos.list().every((p) => p.status === 'captioned' && p.error === null)).toBe(true)
      expect(lib.engine.db.raw.prepare(`SELECT count(*) FROM jobs`).pluck().get()).toBe(0)
    } finally {
      await lib.close()
    }
  })

  it('after bounded retries, keeps the error on each photo and goes on', async () => {
    const broken = failingFirstCallsForQueueTests(ml, 'captionEmbeddings', 1000)
    const lib = await library((dir) => writePhotoFolder(dir, 2), broken)
    try {
      // Each caption job was tried max_attempts (3) times, whatever the batching.
      const attempts = lib.engine.db.raw.prepare(`SELECT attempts FROM jobs WHERE kind = 'caption' AND state = 'failed'`).pluck().all()
      expect(attempts).toEqual([3, 3])
      expect(broken.calls).toBeGreaterThanOrEqual(3)
      expect(broken.calls).toBeLessThanOrEqual(6)
      for (const p of lib.engine.photos.list())
        expect(p).toMatchObject({ status: 'failed', error: 'captioning failed: ML worker exited unexpectedly (injected)' })
      expect(lib.engine.jobs.failures().map((f) => f.kind)).toEqual(['caption', 'caption'])
      // A rename does not hide the failure (the photo would be stuck between stages).
      const first = lib.engine.photos.list()[0]!
      await fs.rename(first.paths[0]!.path, path.join(lib.photos, 'renamed.jpg'))
      lib.engine.roots.rescan()
      await lib.engine.jobs.whenIdle()
      expect(lib.engine.photos.get(first.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^captioning failed/) })
      // Retrying with a working service finishes them.
      await lib.engine.ml.use(ml)
      expect(lib.engine.jobs.retry()).toBe(2)
      await lib.engine.jobs.whenIdle()
      expect(lib.engine.photos.list().every((p) => p.status === 'captioned' && p.error === null)).toBe(true)
    } finally {
      await lib.close()
    }
  })
})
