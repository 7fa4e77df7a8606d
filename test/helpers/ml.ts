// The real ML service for library tests: the in-process pipeline over the
// generated tiny pack (see src/main/ml/pipeline/test-support.ts), plus a
// wrapper that injects failures for tests whose subject is the engine's own
// retry and recovery logic.
import path from 'node:path'
import type { MlService } from '../../src/main/ml/service.ts'
import { createInProcessMlService } from '../../src/main/ml/pipeline/index.ts'
import { sharedTinyDataDir } from '../../src/main/ml/pipeline/test-support.ts'
import { TINY_PACK_SPEC, writeRandomPack } from '../../src/main/ml/packs/random-pack.ts'
import { tempDir } from './photo-folders.ts'

/** The real in-process ML service with the tiny pack (one ORT thread: the machine is shared). */
export async function tinyMl(packDir?: string): Promise<MlService> {
  return createInProcessMlService({ dataDir: sharedTinyDataDir(), threads: 1, ...(packDir ? { packDir } : {}) })
}

/** A second tiny pack with other random weights: other model ids, as after a pack change. */
export async function otherTinyPack(): Promise<string> {
  const dir = path.join(await tempDir('photocap-pack-'), 'tiny-b')
  writeRandomPack(dir, { ...TINY_PACK_SPEC, name: 'photocap-tiny-random-b', seed: 4242 })
  return dir
}

/**
 * ENGINE-LOGIC TEST DOUBLE: the real service, except that the first `failures`
 * calls of `method` throw (as when the ML worker process crashes). Only for
 * tests of the engine's queueing and retry logic.
 */
export function failingFirstCallsForQueueTests(real: MlService, method: 'embedImages' | 'captionEmbeddings', failures: number): MlService & { calls: number } {
  const wrapper = {
    calls: 0,
    info: () => real.info(),
    embedTexts: (t: string[], s?: AbortSignal) => real.embedTexts(t, s),
    close: () => real.close(),
    embedImages: (p: string[], s?: AbortSignal) => real.embedImages(p, s),
    captionEmbeddings: (e: Float32Array[], o?: Parameters<MlService['captionEmbeddings']>[1], s?: AbortSignal) => real.captionEmbeddings(e, o, s),
  }
  const original = wrapper[method] as (...a: unknown[]) => Promise<unknown>
  ;(wrapper as Record<string, unknown>)[method] = (...args: unknown[]) => {
    wrapper.calls++
    if (wrapper.calls <= failures) return Promise.reject(new Error('ML worker exited unexpectedly (injected)'))
    return original(...args)
  }
  return wrapper
}
