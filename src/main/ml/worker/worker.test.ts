// The ML worker process: same answers as in-process, typed arrays intact,
// cancellation, and a crash reported as an error with a restart afterwards.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInProcessMlService } from '../pipeline/create-ml-service.ts'
import { sharedTinyDataDir, writeTestImages } from '../pipeline/test-support.ts'
import { tinyPackDir } from '../packs/tiny-pack.ts'
import { forkWorker, WorkerMlService } from './worker-client.ts'

let work: string
let images: string[]
let dataDir: string
let worker: WorkerMlService

beforeAll(async () => {
  dataDir = sharedTinyDataDir()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-worker-'))
  images = await writeTestImages(work)
  worker = new WorkerMlService({ packDir: tinyPackDir(dataDir), dataDir, cacheDir: path.join(work, 'cache'), provider: 'cpu', threads: 1 })
  await worker.start()
})

afterAll(async () => {
  await worker?.close()
  fs.rmSync(work, { recursive: true, force: true })
})

describe('ML worker process', () => {
  it('starts its worker through the launcher it is given (the desktop app passes a utility-process launcher)', async () => {
    let launches = 0
    const launched = new WorkerMlService(
      { packDir: tinyPackDir(dataDir), dataDir, cacheDir: path.join(work, 'cache'), provider: 'cpu', threads: 1 },
      undefined,
      () => {
        launches++
        return forkWorker()
      },
    )
    try {
      expect((await launched.info()).packName).toBe((await worker.info()).packName)
      expect(launches).toBe(1)
    } finally {
      await launched.close()
    }
  })

  it('runs below normal priority, so captioning on every core leaves the rest of the computer first', () => {
    expect(worker.pid).toBeGreaterThan(0)
    // A larger value is a lower priority; a test run that is itself niced further keeps its own.
    expect(os.getPriority(worker.pid)).toBe(Math.max(os.constants.priority.PRIORITY_BELOW_NORMAL, os.getPriority()))
  })

  it('answers like the in-process service (embeddings arrive as Float32Array)', async () => {
    const local = await createInProcessMlService({ dataDir, cacheDir: path.join(work, 'cache'), provider: 'cpu', threads: 1 })
    try {
      expect(await worker.info()).toEqual(await local.info())
      const [a, b] = [await worker.embedImages(images), await local.embedImages(images)]
      for (const [i, r] of a.entries()) {
        const l = b[i]!
        if (!r.ok || !l.ok) throw new Error('image failed')
        expect(r.embedding).toBeInstanceOf(Float32Array)
        expect(Array.from(r.embedding)).toEqual(Array.from(l.embedding))
      }
      const texts = await worker.embedTexts(['a red square'])
      expect(texts[0]).toBeInstanceOf(Float32Array)
      expect(Array.from(texts[0]!)).toEqual(Array.from((await local.embedTexts(['a red square']))[0]!))
      const vectors = a.map((r) => (r.ok ? r.embedding : new Float32Array(16)))
      expect(await worker.captionEmbeddings(vectors, { method: 'greedy', maxTokens: 12 })).toEqual(
        await local.captionEmbeddings(vectors, { method: 'greedy', maxTokens: 12 }),
      )
    } finally {
      await local.close()
    }
  })

  it('a bad image is a per-item error, not a failed call', async () => {
    const res = await worker.embedImages([path.join(work, 'nope.png'), images[0]!])
    expect(res[0]!.ok).toBe(false)
    expect(res[1]!.ok).toBe(true)
  })

  it('cancels a running call', async () => {
    const ac = new AbortController()
    const vectors = Array.from({ length: 8 }, (_, i) => Float32Array.from({ length: 16 }, (_, j) => Math.sin(i + j)))
    const p = worker.captionEmbeddings(vectors, { method: 'beam' }, ac.signal)
    setTimeout(() => ac.abort(), 50)
    await expect(p).rejects.toMatchObject({ name: 'AbortError' })
    // The worker is still usable afterwards.
    expect((await worker.info()).isTinyPack).toBe(true)
  })

  it('createMlService (what the library engine calls) gives the worker by default and checks the provider', async () => {
    const { createMlService } = await import('../pipeline/index.ts')
    const svc = await createMlService({ dataDir, cacheDir: path.join(work, 'cache'), provider: 'cpu', threads: 1 })
    try {
      expect(svc).toBeInstanceOf(WorkerMlService)
      expect((await svc.info()).packName).toBe('photocap-tiny-random')
    } finally {
      await svc.close()
    }
    await expect(createMlService({ dataDir, provider: 'tpu' as never })).rejects.toThrow(/unknown execution provider "tpu"/)
  })

  it('reports a crash as an error and restarts on the next call', async () => {
    const vectors = Array.from({ length: 8 }, (_, i) => Float32Array.from({ length: 16 }, (_, j) => Math.cos(i * j)))
    const p = worker.captionEmbeddings(vectors, { method: 'beam' })
    await new Promise((r) => setTimeout(r, 100))
    const pid = worker.pid
    expect(pid).toBeTypeOf('number')
    process.kill(pid!, 'SIGKILL')
    await expect(p).rejects.toThrow(/ML worker exited unexpectedly \(signal SIGKILL\)/)
    const startsBefore = worker.starts
    const res = await worker.embedTexts(['after the crash'])
    expect(res).toHaveLength(1)
    expect(worker.starts).toBe(startsBefore + 1)
    expect(worker.pid).not.toBe(pid)
  })
})
