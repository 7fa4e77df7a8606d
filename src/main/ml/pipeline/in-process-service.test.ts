import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInProcessMlService } from './create-ml-service.ts'
import type { InProcessMlService } from './in-process-service.ts'
import { sharedTinyDataDir, writeTestImages } from './test-support.ts'
import { tinyPackDir } from '../packs/tiny-pack.ts'

let dataDir: string
let work: string
let images: string[]
let svc: InProcessMlService

beforeAll(async () => {
  dataDir = sharedTinyDataDir()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-svc-'))
  images = await writeTestImages(work)
  svc = await createInProcessMlService({
    dataDir,
    cacheDir: path.join(work, 'cache'),
    provider: 'cpu',
    threads: 1,
    batchSizes: { vision: 2, greedy: 2, beam: 2 },
  })
})

afterAll(async () => {
  await svc?.close()
  fs.rmSync(work, { recursive: true, force: true })
})

describe('in-process MlService on the generated tiny pack', () => {
  it('reports the pack, its model ids and the provider used', async () => {
    const info = await svc.info()
    expect(info.isTinyPack).toBe(true)
    expect(info.packName).toBe('photocap-tiny-random')
    expect(info.embeddingDim).toBe(16)
    expect(info.provider).toBe('cpu')
    expect(info.embeddingModelId).toMatch(/^clip-[0-9a-f]{16}$/)
    expect(info.captionModelId).toMatch(/^clipcap-[0-9a-f]{16}$/)
    expect(svc.runtime.pack.dir).toBe(tinyPackDir(dataDir))
  })

  it('embeds images; a bad or missing file fails alone, naming the file', async () => {
    const bad = path.join(work, 'bad.jpg')
    fs.writeFileSync(bad, 'this is not a jpeg')
    const missing = path.join(work, 'missing.png')
    const res = await svc.embedImages([images[0]!, bad, images[1]!, missing, images[2]!])
    expect(res.map((r) => r.ok)).toEqual([true, false, true, false, true])
    const err1 = res[1]!
    const err3 = res[3]!
    if (err1.ok || err3.ok) throw new Error('unreachable')
    expect(err1.error).toContain(bad)
    expect(err3.error).toContain(missing)
    // Batch composition does not change an embedding (vision batch is 2 here).
    const alone = await svc.embedImages([images[2]!])
    const a = alone[0]!
    const b = res[4]!
    if (!a.ok || !b.ok) throw new Error('unreachable')
    expect(a.embedding.length).toBe(16)
    for (let i = 0; i < 16; i++) expect(Math.abs(a.embedding[i]! - b.embedding[i]!)).toBeLessThan(1e-5)
    const e0 = res[0]!
    if (!e0.ok) throw new Error('unreachable')
    expect(e0.embedding.some((x, i) => Math.abs(x - a.embedding[i]!) > 1e-3)).toBe(true)
  })

  it('embeds texts; cutting the batch after its last EOT does not change any row', async () => {
    const texts = ['a dog', 'a photo of a cat sleeping on a red sofa in the living room', 'tree']
    const batch = await svc.embedTexts(texts)
    for (const [i, t] of texts.entries()) {
      const [alone] = await svc.embedTexts([t])
      for (let j = 0; j < 16; j++) expect(Math.abs(alone![j]! - batch[i]![j]!)).toBeLessThan(1e-5)
    }
    expect(batch[0]!.some((x, j) => Math.abs(x - batch[2]![j]!) > 1e-3)).toBe(true)
  })

  it('captions embeddings greedy and beam; batched equals one by one; text = decoded tokens', async () => {
    const emb = await svc.embedImages(images)
    const vectors = emb.map((r) => (r.ok ? r.embedding : new Float32Array(16)))
    for (const method of ['greedy', 'beam'] as const) {
      const batch = await svc.captionEmbeddings(vectors, { method, beamSize: 3 })
      expect(batch).toHaveLength(3)
      for (const [i, v] of vectors.entries()) {
        const [one] = await svc.captionEmbeddings([v], { method, beamSize: 3 })
        expect(one).toEqual(batch[i])
        expect(one!.tokens).not.toContain(13)
        expect(one!.tokens.length).toBeGreaterThan(0)
        expect(one!.tokens.length).toBeLessThanOrEqual(67)
        expect(one!.caption).toBe(one!.caption.trim())
      }
    }
    const r = svc.toCaption([464, 3290, 13])
    expect(r).toEqual({ caption: 'The dog.', tokens: [464, 3290] })
  })

  it('rejects an embedding of the wrong size and honours cancellation', async () => {
    await expect(svc.captionEmbeddings([new Float32Array(5)])).rejects.toThrow(/expects 16/)
    const ac = new AbortController()
    ac.abort()
    await expect(svc.captionEmbeddings([new Float32Array(16)], {}, ac.signal)).rejects.toThrow(/cancelled/)
  })
})
