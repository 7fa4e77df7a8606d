// One figure for all background work: photos, with a total that does not grow
// as a photo moves from stage to stage.
import { testBackend } from '../../../test/helpers/backend.ts'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writePhotoFolder } from '../../../test/helpers/photo-folders.ts'
import { testLibrary, type TestLibrary } from '../../../test/helpers/library-engine.ts'
import { ProgressMeter } from '../engine/jobs/progress.ts'
import type { JobKind, JobProgress } from '../engine/types.ts'
import { overallProgress } from './overall-progress.ts'
import { createBackend, type Backend } from './backend.ts'
import type { Activity } from '../../shared/types.ts'

type Counts = Record<JobKind, { queued: number; running: number; failed: number }>
const counts = (pending: Partial<Record<JobKind, number>>): Counts =>
  Object.fromEntries(
    (['scan', 'ingest', 'thumbnail', 'embed', 'caption'] as JobKind[]).map((k) => [k, { queued: pending[k] ?? 0, running: 0, failed: 0 }]),
  ) as Counts

describe('overall progress in photos', () => {
  it('keeps the total while photos move from reading to captioning, and reads "Preparing 60 new photos: 41 of 60"', () => {
    const m = new ProgressMeter(() => 0)
    // The scan found 60 files: 60 ingest jobs pending.
    const found = m.snapshot(counts({ scan: 1, ingest: 60 }), false, 60)
    expect(overallProgress(found)).toMatchObject({ label: 'Preparing 60 photos found so far', done: 0, total: 60, finding: true })
    // 41 photos went through every stage; each stage enqueued the next, so the job count grew, the photo count did not.
    m.record(41 * 4)
    const later = m.snapshot(counts({ ingest: 5, thumbnail: 4, embed: 4, caption: 6 }), false, 19)
    expect(later.total).toBeGreaterThan(60) // jobs: the figure that used to grow
    expect(overallProgress(later)).toEqual({
      label: 'Preparing 60 new photos',
      done: 41,
      total: 60,
      finding: false,
      etaSeconds: later.etaSeconds,
      phases: [
        { label: 'Reading files', left: 5 },
        { label: 'Making previews', left: 4 },
        { label: 'Understanding photos', left: 4 },
        { label: 'Writing captions', left: 6 },
      ],
    })
    // A new file appears: the total grows by that one photo only.
    expect(overallProgress(m.snapshot(counts({ ingest: 1, caption: 19 }), false, 20))).toMatchObject({ done: 41, total: 61 })
    expect(overallProgress(m.snapshot(counts({ caption: 2 }), false, 2))).toMatchObject({ label: 'Preparing 61 new photos', done: 59, total: 61 })
    expect(overallProgress(m.snapshot(counts({}), false, 0))).toBeNull()
  })

  it('says "Captioning" when only captions are redone (a new model)', () => {
    const m = new ProgressMeter(() => 0)
    expect(overallProgress(m.snapshot(counts({ caption: 12 }), false, 12))?.label).toBe('Captioning 12 photos')
    expect(overallProgress(m.snapshot(counts({ caption: 1 }), false, 1))).toMatchObject({ label: 'Captioning 12 photos', done: 11, total: 12 })
  })
})

let lib: TestLibrary | null = null
let backend: Backend | null = null
let tmp: string | null = null
afterEach(async () => {
  await lib?.close()
  lib = null
  await backend?.close()
  backend = null
  if (tmp) await fs.rm(tmp, { recursive: true, force: true })
  tmp = null
})

describe('overall progress through the API', () => {
  it('reaches the renderer in jobs.progressed and jobs.activity', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'photocap-overall-'))
    const photos = path.join(tmp, 'photos')
    await fs.mkdir(photos)
    await writePhotoFolder(photos, 5, { perFolder: 5 })
    backend = await testBackend(tmp)
    // jobs.progressed reaches the page at most every 200 ms; ask jobs.activity at each engine step too.
    const seen: Promise<Activity>[] = []
    const b = backend
    b.events.on('jobs.progressed', (a) => seen.push(Promise.resolve(a)))
    b.engine.events.on('jobs.progressed', () =>
      seen.push(b.dispatcher.dispatch('jobs.activity', {}).then((r) => (r.ok ? (r.value as Activity) : Promise.reject(new Error(r.error.message))))),
    )
    const r = await backend.dispatcher.dispatch('roots.add', { path: photos })
    expect(r.ok).toBe(true)
    await backend.engine.jobs.whenIdle()
    const figures = (await Promise.all(seen)).map((a) => a.overall).filter((o) => o && o.total > 0)
    expect(figures.length).toBeGreaterThan(0)
    expect(Math.max(...figures.map((o) => o!.total))).toBe(5)
    expect(figures.some((o) => o!.label === 'Preparing 5 new photos' || o!.label === 'Preparing 5 photos found so far')).toBe(true)
    const idle = await backend.dispatcher.dispatch('jobs.activity', {})
    expect(idle.ok && (idle.value as Activity).overall).toBeNull()
  })
})

describe('overall progress from a real engine', () => {
  it('counts a folder of 7 photos with a total that never passes 7 once found, ending 7 of 7', async () => {
    lib = await testLibrary()
    await fs.mkdir(lib.photos, { recursive: true })
    await writePhotoFolder(lib.photos, 7, { perFolder: 3 })
    const seen: JobProgress[] = []
    lib.engine.events.on('jobs.progressed', (p) => seen.push(p))
    await lib.engine.start()
    await lib.engine.roots.add(lib.photos)
    await lib.engine.jobs.whenIdle()
    const figures = seen.map((p) => p.photos!).filter((f) => f.total > 0)
    expect(figures.length).toBeGreaterThan(0)
    for (let i = 1; i < figures.length; i++) {
      expect(figures[i]!.total).toBeGreaterThanOrEqual(figures[i - 1]!.total)
      expect(figures[i]!.done).toBeGreaterThanOrEqual(figures[i - 1]!.done)
    }
    expect(Math.max(...figures.map((f) => f.total))).toBe(7)
    expect(figures.at(-1)).toMatchObject({ done: 7, total: 7 })
  })
})
