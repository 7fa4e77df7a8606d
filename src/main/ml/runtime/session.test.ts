import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { GraphBuilder } from '../graph/builder.ts'
import { emitOnnx } from '../graph/emit-onnx.ts'
import { tmpDir } from '../models/testing/golden.ts'
import { providerPlan, type ProviderEnvironment } from './providers.ts'
import { createSession, defaultIntraOpThreads, providerEnvironment, sessionOptionsFor } from './session.ts'

let modelPath: string

beforeAll(() => {
  const g = new GraphBuilder('plus')
  const x = g.input('x', 'float32', ['n'])
  g.output(g.add(x, g.f32(1)), 'y')
  modelPath = emitOnnx(g.build(), { dir: tmpDir() }).modelPath
})

async function check(s: { session: ort.InferenceSession }): Promise<void> {
  const out = await s.session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) })
  expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 3])
}

describe('provider plan', () => {
  const linux: ProviderEnvironment = { platform: 'linux', supported: ['cpu', 'webgpu', 'cuda'], cudaLibraryPresent: true }
  it('auto picks the platform accelerator, then CPU', () => {
    expect(providerPlan('auto', linux)).toEqual(['cuda', 'cpu'])
    expect(providerPlan('auto', { ...linux, cudaLibraryPresent: false })).toEqual(['cpu'])
    expect(providerPlan('auto', { platform: 'win32', supported: ['cpu', 'dml', 'webgpu'], cudaLibraryPresent: false })).toEqual(['dml', 'cpu'])
    expect(providerPlan('auto', { platform: 'darwin', supported: ['cpu', 'coreml', 'webgpu'], cudaLibraryPresent: false })).toEqual(['coreml', 'cpu'])
    expect(providerPlan('auto', { platform: 'freebsd', supported: ['cpu'], cudaLibraryPresent: false })).toEqual(['cpu'])
  })
  it('an override is tried first, CPU always last', () => {
    expect(providerPlan('webgpu', linux)).toEqual(['webgpu', 'cpu'])
    expect(providerPlan('cpu', linux)).toEqual(['cpu'])
  })
})

describe('thread placement ([Note: thread placement])', () => {
  it('by default one intra-op pool as wide as the machine, no inter-op pool, sequential executor', () => {
    const o = sessionOptionsFor()
    expect(o.intraOpNumThreads).toBe(os.availableParallelism())
    expect(o.interOpNumThreads).toBe(1)
    expect(o.executionMode).toBe('sequential')
    expect(defaultIntraOpThreads(16)).toBe(16)
    expect(defaultIntraOpThreads(0)).toBe(1)
  })
  it('an explicit thread count and spinning choice are kept', () => {
    const o = sessionOptionsFor({ threads: 3, allowSpinning: false })
    expect(o.intraOpNumThreads).toBe(3)
    expect(o.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } })
  })
})

// This machine (and CI) has no GPU: every accelerator request must end on CPU with a reason.
const hasCuda = providerEnvironment().cudaLibraryPresent || fs.existsSync('/dev/nvidia0')

describe('createSession on a machine without a GPU', () => {
  it('cpu: runs on CPU, no fallback reason', async () => {
    const s = await createSession(modelPath, { provider: 'cpu', threads: 1 })
    expect(s.provider).toBe('cpu')
    expect(s.fallbackReason).toBeNull()
    await check(s)
  })

  it.skipIf(hasCuda)('cuda: falls back to CPU and says why', async () => {
    const s = await createSession(modelPath, { provider: 'cuda', threads: 1 })
    expect(s.requested).toBe('cuda')
    expect(s.provider).toBe('cpu')
    expect(s.fallbackReason).toMatch(/^cuda failed: /)
    await check(s)
  })

  it.skipIf(hasCuda)('webgpu: falls back to CPU and says why', async () => {
    const s = await createSession(modelPath, { provider: 'webgpu', threads: 1 })
    expect(s.provider).toBe('cpu')
    expect(s.fallbackReason).toMatch(/^webgpu (failed|provider is not available)/)
    await check(s)
  })

  it('a provider this build lacks (DirectML off Windows) falls back with the reason', async () => {
    const provider = process.platform === 'win32' ? 'coreml' : 'dml'
    const s = await createSession(modelPath, { provider, threads: 1 })
    expect(s.provider).toBe('cpu')
    expect(s.fallbackReason).toContain(`${provider} provider is not available in this onnxruntime-node build`)
  })

  it.skipIf(hasCuda)('auto: reports the provider used and why no accelerator was used', async () => {
    const s = await createSession(modelPath, { threads: 1 })
    expect(s.requested).toBe('auto')
    if (process.platform === 'linux') {
      expect(s.provider).toBe('cpu')
      expect(s.fallbackReason).toMatch(/CUDA/)
    }
    await check(s)
  })

  it('a broken model file fails on CPU naming the file', async () => {
    const bad = path.join(tmpDir(), 'model.onnx')
    fs.writeFileSync(bad, 'not a model')
    await expect(createSession(bad, { provider: 'cpu' })).rejects.toThrow(`${bad}: cannot load model`)
  })
})
