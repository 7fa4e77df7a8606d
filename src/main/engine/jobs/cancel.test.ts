// jobs.cancel(kinds) stops the batch in flight only when it is of a named kind,
// and a cancelled batch is dropped, not run again (it used to go back to the queue).
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fastIdentity, type FastIdentity } from '../library/identity.ts'
import { writeJpeg } from '../../../../test/helpers/photo-folders.ts'
import { testLibrary } from '../../../../test/helpers/library-engine.ts'

/** An identify seam that holds the first read of `name` until released, counting reads. */
function gate(name: string) {
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  let entered!: () => void
  const reached = new Promise<void>((r) => (entered = r))
  const reads = new Map<string, number>()
  const identify = async (file: string): Promise<FastIdentity> => {
    reads.set(path.basename(file), (reads.get(path.basename(file)) ?? 0) + 1)
    if (path.basename(file) === name && reads.get(name) === 1) {
      entered()
      await released
    }
    return fastIdentity(file)
  }
  return { identify, reached, release, reads }
}

describe('cancelling work', () => {
  it('a cancel of other kinds leaves the batch in flight alone', async () => {
    const g = gate('a.jpg')
    const lib = await testLibrary({ identify: g.identify })
    try {
      await writeJpeg(path.join(lib.photos, 'a.jpg'), { seed: 1 })
      await lib.engine.start()
      await lib.engine.roots.add(lib.photos)
      await g.reached // an ingest batch is in flight
      lib.engine.jobs.cancel(['caption', 'embed'])
      g.release()
      await lib.engine.jobs.whenIdle()
      expect(g.reads.get('a.jpg')).toBe(1)
      expect(lib.engine.photos.list().map((p) => p.status)).toEqual(['thumbnailed'])
    } finally {
      await lib.close()
    }
  })

  it('a cancel of its kind stops the batch in flight and drops it', async () => {
    const g = gate('a.jpg')
    const lib = await testLibrary({ identify: g.identify })
    try {
      await writeJpeg(path.join(lib.photos, 'a.jpg'), { seed: 1 })
      await lib.engine.start()
      await lib.engine.roots.add(lib.photos)
      await g.reached
      lib.engine.jobs.cancel(['ingest'])
      g.release()
      await lib.engine.jobs.whenIdle()
      expect(g.reads.get('a.jpg')).toBe(1)
      expect(lib.engine.jobs.status().byKind.ingest).toEqual({ queued: 0, running: 0 })
      expect(lib.engine.photos.list()).toEqual([])
    } finally {
      await lib.close()
    }
  })
})
